package dev.metering.event;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Validates events, writes their billing scope, and hands them to a {@link UsageEventSink}.
 * <p>
 * An event built without a billing scope (the builder's default) gets the tenant's
 * {@link BillingAttribution} as it is recorded, so past events keep the payer of their time when a
 * tenant is later re-parented. An event built with {@code billingScopeId(...)} keeps it, the
 * tenant itself included.
 */
public class DefaultUsageRecorder implements UsageRecorder {

	private final UsageEventValidator validator;

	private final UsageEventSink sink;

	private final BillingAttribution attribution;

	private final PayloadEvents payloadEvents;

	private final Supplier<EventCorrections> corrections;

	public DefaultUsageRecorder(UsageEventValidator validator, UsageEventSink sink) {
		this(validator, sink, BillingAttribution.SELF);
	}

	/**
	 * Creates a recorder of payloads as if no meter were defined.
	 * @param validator checks every event
	 * @param sink where valid events go
	 * @param attribution who pays for each tenant's usage
	 */
	public DefaultUsageRecorder(UsageEventValidator validator, UsageEventSink sink, BillingAttribution attribution) {
		this(validator, sink, attribution, PayloadEvents.UNDEFINED);
	}

	/**
	 * Creates a recorder.
	 * @param validator checks every event
	 * @param sink where valid events go
	 * @param attribution who pays for each tenant's usage
	 * @param payloadEvents the events a payload makes (the meter definitions')
	 */
	public DefaultUsageRecorder(UsageEventValidator validator, UsageEventSink sink, BillingAttribution attribution,
			PayloadEvents payloadEvents) {
		this(validator, sink, attribution, payloadEvents, () -> EventCorrections.NONE);
	}

	/**
	 * Creates a recorder that also voids and corrects events.
	 * @param validator checks every event
	 * @param sink where valid events go
	 * @param attribution who pays for each tenant's usage
	 * @param payloadEvents the events a payload makes (the meter definitions')
	 * @param corrections the voids and corrections (asked on first use)
	 */
	public DefaultUsageRecorder(UsageEventValidator validator, UsageEventSink sink, BillingAttribution attribution,
			PayloadEvents payloadEvents, Supplier<EventCorrections> corrections) {
		this.corrections = corrections;
		this.validator = validator;
		this.sink = sink;
		this.attribution = attribution;
		this.payloadEvents = payloadEvents;
	}

	@Override
	public void record(UsageEvent event) {
		record(event, HeldUsage.NONE);
	}

	@Override
	public void record(UsageEvent event, HeldUsage held) {
		this.validator.validate(event);
		offer(attributed(event), held);
	}

	/**
	 * Records an event the kit built itself, checked as the validator says such an event needs
	 * ({@link UsageEventValidator#validateBuiltByKit(UsageEvent)}).
	 * @param event an event built by the kit
	 * @param held the usage held for it
	 * @throws InvalidUsageEventException naming the first invalid field
	 * @throws UsageNotRecordedException if the kit could not take the event
	 */
	@Override
	public void recordBuiltByKit(UsageEvent event, HeldUsage held) {
		this.validator.validateBuiltByKit(event);
		offer(attributed(event), held);
	}

	@Override
	public void recordAll(Collection<UsageEvent> events) {
		List<UsageEvent> batch = List.copyOf(events);
		batch.forEach(this.validator::validate);
		List<UsageEvent> attributed = batch.stream().map(this::attributed).toList();
		for (int i = 0; i < attributed.size(); i++) {
			// Stop at the first refusal: the recorded ones are then the first i, which a caller can
			// tell apart from the rest without a list of ids.
			if (!this.sink.offer(attributed.get(i))) {
				throw new UsageNotRecordedException(i, attributed.size() - i);
			}
		}
	}

	@Override
	public void record(UsagePayload payload) {
		record(payload, HeldUsage.NONE);
	}

	@Override
	public void record(UsagePayload payload, HeldUsage held) {
		List<UsageEvent> events = this.payloadEvents.eventsOf(payload);
		events.forEach(this.validator::validate);
		for (int i = 0; i < events.size(); i++) {
			// Each event may take over the held usage: it matches one meter's at most.
			if (!this.sink.offer(attributed(events.get(i)), held)) {
				throw new UsageNotRecordedException(i, events.size() - i);
			}
		}
	}

	private void offer(UsageEvent event, HeldUsage held) {
		if (!this.sink.offer(event, held)) {
			throw new UsageNotRecordedException(0, 1);
		}
	}

	private UsageEvent attributed(UsageEvent event) {
		// The builder's default is the tenant's own instance: any other one was set on purpose.
		if (event.billingScopeId() != event.tenantId()) {
			return event;
		}
		String scope = this.attribution.billingScopeOf(event.tenantId());
		return scope.equals(event.tenantId()) ? event : event.withBillingScope(scope);
	}

	@Override
	public Correction voidEvent(String tenantId, UUID eventId, String actor, String reason) {
		return this.corrections.get().voidEvent(tenantId, eventId, actor, reason);
	}

	@Override
	public Correction correct(String tenantId, UUID eventId, BigDecimal quantity, String actor, String reason) {
		return this.corrections.get().correct(tenantId, eventId, quantity, actor, reason);
	}

}
