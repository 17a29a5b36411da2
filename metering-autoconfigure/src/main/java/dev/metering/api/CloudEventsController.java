package dev.metering.api;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageNotRecordedException;
import dev.metering.event.UsagePayload;
import dev.metering.event.UsageRecorder;
import dev.metering.event.UsageSource;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * CloudEvents 1.0 on the usage API's {@code POST /events}, structured mode
 * ({@code application/cloudevents+json}) and batches ({@code application/cloudevents-batch+json}),
 * read as OpenMeter reads them: {@code subject} is the tenant, {@code type} selects the meters
 * that read it ({@code metering.meters[].event-type}), {@code data} is what they read, and
 * ({@code source}, {@code id}) identifies the event: its ledger ids derive from them, so an event
 * sent twice is counted once. A request is all or nothing: every event is read, its meters'
 * values taken from its data and checked before any is recorded.
 */
@RestController
@RequestMapping("${metering.api.base-path:/api}")
public class CloudEventsController {

	private final UsageRecorder recorder;

	private final ApiAccess access;

	private final MeterDefinitions definitions;

	private final MeterEvents events;

	private final @Nullable UsageEventValidator validator;

	private final ApiSettings settings;

	private final Clock clock;

	/**
	 * The CloudEvents ingest.
	 * @param recorder records the events (source {@code api})
	 * @param access who may act for which tenant
	 * @param definitions the meter definitions
	 * @param validator checks events as the recorder will, {@code null} to leave it to the recorder
	 * @param settings the limits
	 * @param clock the clock: the time of an event without {@code time}
	 */
	public CloudEventsController(UsageRecorder recorder, ApiAccess access, MeterDefinitions definitions,
			@Nullable UsageEventValidator validator, ApiSettings settings, Clock clock) {
		this.recorder = recorder;
		this.access = access;
		this.definitions = definitions;
		this.events = new MeterEvents(definitions);
		this.validator = validator;
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * Records one CloudEvent or a batch: 202 once the writer has taken them, 400 naming the
	 * attribute at fault (nothing recorded), 503 when the writer could not take them all.
	 */
	@PostMapping(path = "/events", consumes = { CloudEventsJson.STRUCTURED, CloudEventsJson.BATCH })
	ResponseEntity<CloudEventsBody> cloudEvents(HttpServletRequest request) {
		boolean batch = MediaType.parseMediaType(request.getContentType())
			.equalsTypeAndSubtype(MediaType.parseMediaType(CloudEventsJson.BATCH));
		List<CloudEventsJson.CloudEvent> received = CloudEventsJson.read(
				BoundedJson.body(request, this.settings.maxBodyBytes(), "metering.api.max-body-size"), batch,
				this.settings.maxBatchSize());
		Set<String> tenants = new LinkedHashSet<>();
		received.forEach((event) -> tenants.add(event.subject()));
		tenants.forEach((tenant) -> this.access.authorize(request, tenant));
		Set<Identity> seen = new HashSet<>();
		List<UsageEvent> made = new ArrayList<>();
		// The index in the request of each ledger event's CloudEvent, to say where a retry starts.
		List<Integer> madeFrom = new ArrayList<>();
		for (int i = 0; i < received.size(); i++) {
			CloudEventsJson.CloudEvent event = received.get(i);
			if (seen.add(new Identity(event.subject(), event.source(), event.id()))) {
				for (UsageEvent usage : eventsOf(event, batch ? "[" + i + "]." : "")) {
					made.add(usage);
					madeFrom.add(i);
				}
			}
		}
		int duplicates = received.size() - seen.size();
		try {
			this.recorder.recordAll(made);
		}
		catch (InvalidUsageEventException ex) {
			// Only when the API has no validator of its own: the recorder's names the field.
			throw ApiException.badRequest(field(ex, null), ex.getMessage());
		}
		catch (UsageNotRecordedException ex) {
			int first = madeFrom.get(ex.recorded());
			int taken = (int) madeFrom.subList(0, ex.recorded()).stream().filter((from) -> from < first).distinct().count();
			throw new EventsNotTakenException(taken, seen.size() - taken, duplicates, first);
		}
		return ResponseEntity.status(HttpStatus.ACCEPTED)
			.body(new CloudEventsBody(seen.size(), duplicates, made.size()));
	}

	/** The ledger events of one CloudEvent, checked as the recorder will check them. */
	private List<UsageEvent> eventsOf(CloudEventsJson.CloudEvent event, String prefix) {
		if (this.definitions.forEventType(event.type()).isEmpty()) {
			throw ApiException.badRequest(prefix + "type", "no meter reads events of type '"
					+ UsageEventValidator.abbreviate(event.type()) + "' (metering.meters[].event-type)");
		}
		UsagePayload payload = UsagePayload.builder(event.subject(), event.type())
			.data(event.data())
			.occurredAt((event.time() != null) ? event.time() : this.clock.instant())
			.dedupKey(event.dedupKey())
			.source(UsageSource.API)
			.build();
		UsageEvent checking = null;
		try {
			List<UsageEvent> usage = this.events.eventsOf(payload);
			if (this.validator != null) {
				for (UsageEvent each : usage) {
					checking = each;
					this.validator.validate(each);
				}
			}
			return usage;
		}
		catch (InvalidUsageEventException ex) {
			throw ApiException.badRequest(prefix + field(ex, checking), ex.getMessage());
		}
	}

	/** The CloudEvents attribute of a field the meters or the validator name. */
	private String field(InvalidUsageEventException ex, @Nullable UsageEvent event) {
		String field = ex.getField();
		return switch (field) {
			case "tenantId", "billingScopeId" -> "subject";
			case "occurredAt" -> "time";
			case "meter" -> "type";
			case "eventId" -> "id";
			case "dimensions" -> "data";
			case "quantity" -> {
				MeterDefinition definition = (event != null) ? this.definitions.find(event.meter()) : null;
				yield (definition != null && definition.value() != null) ? definition.value().field() : "data";
			}
			default -> field;
		};
	}

	private record Identity(String subject, String source, String id) {
	}

}
