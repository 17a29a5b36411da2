package dev.metering.ledger;

import java.time.Instant;
import java.util.List;

import dev.metering.event.UsageEvent;

/**
 * The append-only usage ledger.
 */
public interface UsageEventStore {

	/**
	 * Appends events in one transaction, skipping each event whose id, or whose tenant's
	 * idempotency key, is already recorded. Safe to call again with the same events after a
	 * failure: nothing is counted twice.
	 * @param events the events, already validated
	 * @param recordedAt the value of {@code recorded_at} for every row
	 * @return how many rows were added and how many were skipped
	 * @throws org.springframework.dao.DataAccessException when the database fails; nothing of the
	 * batch is then guaranteed written or not, and the call may be retried
	 */
	InsertResult insert(List<UsageEvent> events, Instant recordedAt);

}
