package dev.metering.api;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportCsv;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.Granularity;
import dev.metering.billing.RecordedEvents;
import dev.metering.billing.UsageSummaryService;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageNotRecordedException;
import dev.metering.event.UsageRecorder;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.rollup.UsageReader;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The usage HTTP API under {@code metering.api.base-path} (default {@code /api}): events
 * ingest, usage summaries, top users, quota status and billing reports. Input is checked
 * whole before anything is recorded; every refusal is an {@link ApiException} (problem+json
 * naming the field, see {@link MeteringApiExceptionHandler}). Bodies are read with
 * {@link BoundedJson}; answers are records in snake_case.
 */
@RestController
@RequestMapping("${metering.api.base-path:/api}")
public class UsageApiController {

	private static final MediaType TEXT_CSV = MediaType.parseMediaType("text/csv");

	private final UsageRecorder recorder;

	private final ApiAccess access;

	private final BillingReportService reports;

	private final UsageSummaryService summaries;

	private final IdempotencyLookup idempotency;

	private final @Nullable QuotaEnforcementService quotas;

	private final UsageReader usage;

	private final @Nullable UsageEventValidator validator;

	private final ApiSettings settings;

	private final Clock clock;

	private final MeterDefinitions meters;

	/**
	 * The API.
	 * @param recorder records ingested events (source {@code api})
	 * @param access who may act for which tenant
	 * @param reports billing reports
	 * @param summaries usage summaries and top users
	 * @param recorded looks up retried idempotency keys
	 * @param quotas quota status, {@code null} without quota enforcement
	 * @param validator checks events as the recorder will, {@code null} to leave it to the recorder
	 * @param settings the limits
	 * @param clock the clock
	 * @param usage reads quota windows' usage
	 * @param meters the meter definitions: a defined meter is answered under its aggregation, by
	 * group and filter
	 */
	public UsageApiController(UsageRecorder recorder, ApiAccess access, BillingReportService reports,
			UsageSummaryService summaries, RecordedEvents recorded,
			@Nullable QuotaEnforcementService quotas, @Nullable UsageEventValidator validator, ApiSettings settings,
			Clock clock, UsageReader usage, MeterDefinitions meters) {
		this.meters = meters;
		this.usage = usage;
		this.recorder = recorder;
		this.access = access;
		this.reports = reports;
		this.summaries = summaries;
		this.idempotency = new IdempotencyLookup(recorded, settings.idempotencyLookupTimeout());
		this.quotas = quotas;
		this.validator = validator;
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * Records one event or a batch: 201 when something new was recorded, 200 when every event
	 * was a retry of an idempotency key already in the ledger (its first id is returned), 202
	 * when the ledger could not be asked in time which keys it holds (see
	 * {@link IdempotencyLookup}: the events are taken, status {@code accepted}), 503
	 * with {@code Retry-After} when the kit could not take every event (see
	 * {@link EventsNotTakenException}).
	 */
	@PostMapping("/events")
	ResponseEntity<Object> events(HttpServletRequest request) {
		EventJson.Parsed parsed = EventJson.read(body(request), this.settings.maxBatchSize(), this.validator);
		Set<String> seen = new LinkedHashSet<>();
		for (int i = 0; i < parsed.events().size(); i++) {
			String tenant = parsed.events().get(i).tenantId();
			// No tenant needs registering: one the kit has no plan for is recorded like any
			// other (as the filter, @Metered and UsageRecorder do), unlimited and unpriced.
			if (seen.add(tenant)) {
				this.access.authorize(request, tenant);
			}
		}
		// One bounded look-up for the whole request, off this thread: never a query per event,
		// never a wait for the database's connection timeout.
		Optional<Map<IdempotencyLookup.Key, UUID>> known = this.idempotency.recorded(parsed.events());
		List<UsageEvent> fresh = new ArrayList<>();
		List<Integer> freshIndexes = new ArrayList<>();
		List<EventsBody.Result> results = new ArrayList<>();
		int unchecked = 0;
		for (UsageEvent event : parsed.events()) {
			boolean keyed = event.idempotencyKey() != null;
			UUID existing = (keyed && known.isPresent())
					? known.get().get(new IdempotencyLookup.Key(event.tenantId(), event.idempotencyKey())) : null;
			String outcome = (existing != null) ? "duplicate" : (keyed && known.isEmpty()) ? "accepted" : "recorded";
			results.add(new EventsBody.Result((existing != null) ? existing.toString() : event.eventId().toString(),
					outcome));
			if (existing == null) {
				freshIndexes.add(results.size() - 1);
				fresh.add(event);
				unchecked += "accepted".equals(outcome) ? 1 : 0;
			}
		}
		if (!fresh.isEmpty()) {
			try {
				this.recorder.recordAll(fresh);
			}
			catch (UsageNotRecordedException ex) {
				throw new EventsNotTakenException(ex.recorded(), fresh.size() - ex.recorded(),
						results.size() - fresh.size(), freshIndexes.get(ex.recorded()));
			}
		}
		HttpStatus status = fresh.isEmpty() ? HttpStatus.OK : (unchecked > 0) ? HttpStatus.ACCEPTED : HttpStatus.CREATED;
		Object body = parsed.batch()
				? new EventsBody(fresh.size() - unchecked, results.size() - fresh.size(), unchecked, results)
				: results.get(0);
		return ResponseEntity.status(status).body(body);
	}

	/**
	 * A tenant's usage of a metric per hour, day or month, and its quotas' current windows. A
	 * defined meter is answered under its aggregation, of the events whose dimensions match every
	 * {@code filter[<dimension>]}, and per group of {@code group_by} (dimensions, comma-separated).
	 */
	@GetMapping("/usage/{tenant}/{metric}")
	SummaryBody usage(HttpServletRequest request, @PathVariable String tenant,
			@PathVariable String metric, @RequestParam(required = false) @Nullable String period,
			@RequestParam(required = false) @Nullable String from, @RequestParam(required = false) @Nullable String to,
			@RequestParam(required = false, defaultValue = "day") String granularity,
			@RequestParam(name = "group_by", required = false) @Nullable List<String> groupBy) {
		checkPath(request, tenant, metric);
		MeterDefinition definition = this.meters.find(metric);
		List<String> dimensions = MeterQueryParameters.groupBy(definition, metric, groupBy);
		Map<String, String> filter = MeterQueryParameters.filter(definition, metric, request.getParameterMap());
		Granularity buckets;
		try {
			buckets = Granularity.of(granularity);
		}
		catch (IllegalArgumentException ex) {
			throw ApiException.badRequest("granularity", ex.getMessage());
		}
		BillingPeriod range = period(tenant, period, from, to);
		QuotaDecision quota = (this.quotas != null)
				? this.quotas.status(List.of(tenant), metric, this.clock.instant()) : null;
		if (definition == null) {
			return SummaryBody.of(this.summaries.summary(tenant, metric, range, buckets), exact(quota));
		}
		return SummaryBody.of(this.summaries.meterSummary(definition, tenant, range, buckets, dimensions, filter),
				exact(quota));
	}

	/** A tenant's heaviest users of a metric in a period. */
	@GetMapping("/usage/{tenant}/{metric}/top-users")
	TopUsersBody topUsers(HttpServletRequest request, @PathVariable String tenant,
			@PathVariable String metric, @RequestParam(required = false) @Nullable String period,
			@RequestParam(required = false) @Nullable String from, @RequestParam(required = false) @Nullable String to,
			@RequestParam(required = false) @Nullable String limit) {
		checkPath(request, tenant, metric);
		int max = 10;
		if (limit != null) {
			try {
				max = Integer.parseInt(limit.trim());
			}
			catch (NumberFormatException ex) {
				throw ApiException.badRequest("limit",
						"must be an integer, was '" + UsageEventValidator.abbreviate(limit) + "'");
			}
			if (max < 1 || max > this.settings.maxTopUsers()) {
				throw ApiException.badRequest("limit", "must be in 1.." + this.settings.maxTopUsers() + ", was " + max);
			}
		}
		BillingPeriod range = period(tenant, period, from, to);
		return TopUsersBody.of(tenant, metric, range, this.summaries.topUsers(tenant, metric, range, max));
	}

	/** Every quota of a tenant's metric: limit, used, remaining, window, reset, enforcement. */
	@GetMapping("/quota/{tenant}/{metric}")
	QuotaStatusBody quota(HttpServletRequest request, @PathVariable String tenant,
			@PathVariable String metric) {
		checkPath(request, tenant, metric);
		QuotaDecision decision = (this.quotas != null)
				? this.quotas.status(List.of(tenant), metric, this.clock.instant()) : null;
		return QuotaStatusBody.of(tenant, metric, exact(decision));
	}

	private @Nullable QuotaDecision exact(@Nullable QuotaDecision decision) {
		return (decision != null) ? decision.withLedgerUsage(this.usage) : null;
	}

	/**
	 * The billing report of a tenant (or billing scope) for a period: JSON, or CSV with
	 * {@code Accept: text/csv}.
	 */
	@PostMapping("/billing-report")
	ResponseEntity<Object> billingReport(HttpServletRequest request) {
		ReportRequest asked = BoundedJson.read(body(request), ReportRequest.class);
		String scope = asked.billingScope();
		this.access.authorize(request, scope);
		BillingPeriod period = period(scope, asked.period(), asked.from(), asked.to());
		BillingReport report = this.reports.report(scope, period);
		if (wantsCsv(request)) {
			return ResponseEntity.ok().contentType(TEXT_CSV).body(BillingReportCsv.write(report));
		}
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(ReportBody.of(report));
	}

	private void checkPath(HttpServletRequest request, String tenant, String metric) {
		if (tenant.isBlank() || tenant.length() > UsageEventValidator.MAX_ID_LENGTH) {
			throw ApiException.badRequest("tenant", "must be 1.." + UsageEventValidator.MAX_ID_LENGTH + " characters");
		}
		if (!UsageEventValidator.isValidMeterName(metric)) {
			throw ApiException.badRequest("metric", "'" + UsageEventValidator.abbreviate(metric)
					+ "' must match [a-z0-9][a-z0-9._-]* (lower-case letters, digits, '.', '_' and '-')");
		}
		this.access.authorize(request, tenant);
	}

	/** A {@code period} (yyyy-MM) or the current one is the tenant's billing period: its calendar's. */
	private BillingPeriod period(String tenant, @Nullable String period, @Nullable String from, @Nullable String to) {
		if (period != null && (from != null || to != null)) {
			throw ApiException.badRequest("period", "give either period or from and to, not both");
		}
		if (period != null) {
			try {
				BillingPeriod month = BillingPeriod.parseMonth(period.trim());
				return BillingPeriod.of(this.summaries.calendarOf(tenant)
					.periodStartingIn(java.time.YearMonth.from(month.from().atOffset(java.time.ZoneOffset.UTC))));
			}
			catch (IllegalArgumentException ex) {
				throw ApiException.badRequest("period", ex.getMessage());
			}
		}
		if (from == null && to == null) {
			return BillingPeriod.of(this.summaries.calendarOf(tenant).period(this.clock.instant()));
		}
		if (from == null || to == null) {
			throw ApiException.badRequest((from == null) ? "from" : "to", "from and to go together");
		}
		Instant start = instant("from", from);
		Instant end = instant("to", to);
		try {
			return new BillingPeriod(start, end);
		}
		catch (IllegalArgumentException ex) {
			throw ApiException.badRequest("from", ex.getMessage());
		}
	}

	private static Instant instant(String field, String value) {
		try {
			return java.time.OffsetDateTime.parse(value.trim()).toInstant();
		}
		catch (DateTimeParseException ex) {
			throw ApiException.badRequest(field, "must be an ISO-8601 date-time on a whole hour, e.g. "
					+ "2026-11-01T00:00:00Z, was '" + UsageEventValidator.abbreviate(value) + "'");
		}
	}

	private byte[] body(HttpServletRequest request) {
		return BoundedJson.body(request, this.settings.maxBodyBytes(), "metering.api.max-body-size");
	}

	static boolean wantsCsv(HttpServletRequest request) {
		String accept = request.getHeader("Accept");
		if (accept == null) {
			return false;
		}
		List<MediaType> types;
		try {
			types = MediaType.parseMediaTypes(accept);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		MimeTypeUtils.sortBySpecificity(types);
		for (MediaType type : types) {
			if (type.equalsTypeAndSubtype(TEXT_CSV)) {
				return true;
			}
			if (type.isCompatibleWith(MediaType.APPLICATION_JSON)) {
				return false;
			}
		}
		return false;
	}

}
