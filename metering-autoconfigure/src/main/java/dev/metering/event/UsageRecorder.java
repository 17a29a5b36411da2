package dev.metering.event;

import java.util.Collection;

/**
 * The API an application calls to record usage. Recording validates the event and hands it to
 * a bounded buffer; it never waits for the database. A written event is in the ledger exactly
 * once: a repeated event id, or a repeated idempotency key of the same tenant, is skipped.
 */
public interface UsageRecorder {

	/**
	 * Records one event.
	 * @param event the event
	 * @throws InvalidUsageEventException if the event is invalid; nothing is recorded
	 */
	void record(UsageEvent event);

	/**
	 * Records several events. All are validated first: if one is invalid, none is recorded.
	 * @param events the events
	 * @throws InvalidUsageEventException naming the first invalid field
	 */
	void recordAll(Collection<UsageEvent> events);

}
