package dev.metering.event;

import java.math.BigDecimal;
import java.util.UUID;
import java.util.Collection;
import java.util.List;

/**
 * The API an application calls to record usage. Recording validates the event and hands it to
 * a bounded buffer; it never waits for the database. A written event is in the ledger exactly
 * once: a repeated event id, or a repeated idempotency key of the same tenant, is skipped.
 * <p>
 * An event the kit cannot take (the buffer is full, the spool's disk budget is spent, the writer
 * has stopped) is never silently lost: recording throws {@link UsageNotRecordedException}, an
 * unchecked exception, so existing callers compile unchanged; catch it to retry or report.
 */
public interface UsageRecorder {

	/**
	 * Records one event.
	 * @param event the event
	 * @throws InvalidUsageEventException if the event is invalid; nothing is recorded
	 * @throws UsageNotRecordedException if the kit could not take the event; it is not recorded
	 */
	void record(UsageEvent event);

	/**
	 * Records one event with the usage held for it (a quota {@code Reservation}), which becomes
	 * the event's usage as the kit takes the event. Whatever is not taken over stays held: the
	 * holder releases it afterwards ({@code Reservation.record} does both).
	 * <p>
	 * The default records the event as {@link #record(UsageEvent)} does and leaves the held usage
	 * to its holder: a recorder of the application's own that hands events on to the kit's should
	 * pass the held usage on too, or a quota counts the event twice until the holder releases.
	 * @param event the event
	 * @param held the usage held for it
	 * @throws InvalidUsageEventException if the event is invalid; nothing is recorded
	 * @throws UsageNotRecordedException if the kit could not take the event; it is not recorded
	 */
	default void record(UsageEvent event, HeldUsage held) {
		record(event);
	}

	/**
	 * Records an event the kit built itself (the metering filter's request event), with the usage
	 * held for it. The kit's recorder checks only what came from the caller when its validator
	 * says that suffices ({@link UsageEventValidator#validateBuiltByKit}); the default checks the
	 * event as {@link #record(UsageEvent, HeldUsage)} does.
	 * @param event an event built by the kit
	 * @param held the usage held for it
	 * @throws InvalidUsageEventException naming the first invalid field
	 * @throws UsageNotRecordedException if the kit could not take the event
	 */
	default void recordBuiltByKit(UsageEvent event, HeldUsage held) {
		record(event, held);
	}

	/**
	 * Records several events. All are validated first: if one is invalid, none is recorded.
	 * They are then taken in order until the kit cannot take one: that one and the rest are not
	 * recorded.
	 * @param events the events
	 * @throws InvalidUsageEventException naming the first invalid field
	 * @throws UsageNotRecordedException if the kit could not take them all, saying how many of
	 * the first ones it took
	 */
	void recordAll(Collection<UsageEvent> events);

	/**
	 * Records a payload: one event per meter whose definition reads its type, each with the
	 * quantity and group values the definition reads from the data ({@code metering.meters}).
	 * Without a definition, one event of the meter named by the type, with the payload's
	 * quantity. All its events are validated first: if one is invalid, none is recorded.
	 * <p>
	 * The default makes the events as if no meter were defined; the kit's recorder reads the
	 * definitions.
	 * @param payload the payload
	 * @throws InvalidUsageEventException naming the first invalid field ({@code data/usage/total_tokens}
	 * for a property of the data a meter could not read)
	 * @throws UsageNotRecordedException if the kit could not take them all
	 */
	default void record(UsagePayload payload) {
		recordAll(PayloadEvents.UNDEFINED.eventsOf(payload));
	}

	/**
	 * Records a payload with the usage held for it (a quota {@code Reservation}), as
	 * {@link #record(UsageEvent, HeldUsage)} does for one event: the event the held usage matches
	 * takes it over.
	 * @param payload the payload
	 * @param held the usage held for it
	 * @throws InvalidUsageEventException naming the first invalid field; nothing is recorded
	 * @throws UsageNotRecordedException if the kit could not take them all
	 */
	default void record(UsagePayload payload, HeldUsage held) {
		List<UsageEvent> events = PayloadEvents.UNDEFINED.eventsOf(payload);
		if (events.size() == 1) {
			record(events.get(0), held);
		}
		else {
			recordAll(events);
		}
	}


	/**
	 * Voids a recorded event: a compensating ledger row, linked to it, takes its quantity back
	 * from rollups, usage, quotas and bills; voiding twice is one void. See
	 * {@link EventCorrections#voidEvent}.
	 * @param tenantId the tenant the caller acts for
	 * @param eventId the event
	 * @param actor who voids it
	 * @param reason why
	 * @return what was done
	 * @throws CorrectionException when the event is unknown or another tenant's
	 * @throws UnsupportedOperationException when this recorder cannot correct (the default)
	 */
	default Correction voidEvent(String tenantId, UUID eventId, String actor, String reason) {
		return EventCorrections.NONE.voidEvent(tenantId, eventId, actor, reason);
	}

	/**
	 * Corrects a recorded event's quantity with a compensating ledger row. See
	 * {@link EventCorrections#correct}.
	 * @param tenantId the tenant the caller acts for
	 * @param eventId the event
	 * @param quantity its right quantity
	 * @param actor who corrects it
	 * @param reason why
	 * @return what was done
	 * @throws CorrectionException when the event is unknown, another tenant's or voided
	 * @throws UnsupportedOperationException when this recorder cannot correct (the default)
	 */
	default Correction correct(String tenantId, UUID eventId, BigDecimal quantity, String actor, String reason) {
		return EventCorrections.NONE.correct(tenantId, eventId, quantity, actor, reason);
	}

}
