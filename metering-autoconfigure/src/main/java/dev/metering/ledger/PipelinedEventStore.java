package dev.metering.ledger;

import java.time.Instant;
import java.util.List;

import dev.metering.event.UsageEvent;

/**
 * A ledger store whose write has a hand-off and a wait, such as the Kafka sink (produce to the
 * topic, then wait until the ledger consumers have written it). The writer starts the next batches
 * while earlier ones wait, up to {@link #maxInFlight()}, and confirms them oldest first: a batch
 * counts as written only once {@link Pending#await()} returned. Without it the writer would wait
 * for one batch's whole round trip before handing on the next.
 */
public interface PipelinedEventStore extends UsageEventStore {

	/**
	 * Hands a batch on; what {@link UsageEventStore#insert} guarantees holds once the returned
	 * wait returns.
	 * @param events the events, already validated
	 * @param recordedAt the value of {@code recorded_at} for every row
	 * @return the wait for the batch to be in the ledger
	 * @throws RuntimeException when the batch could not be handed on; it may be started again
	 */
	Pending start(List<UsageEvent> events, Instant recordedAt);

	/**
	 * How many started batches the writer may wait for at once.
	 * @return at least 1
	 */
	int maxInFlight();

	@Override
	default InsertResult insert(List<UsageEvent> events, Instant recordedAt) {
		return start(events, recordedAt).await();
	}

	/**
	 * A started batch.
	 */
	@FunctionalInterface
	interface Pending {

		/**
		 * Waits until the batch is in the ledger.
		 * @return how many rows were added and how many skipped
		 * @throws RuntimeException when it is not known to be written; the batch may be written again
		 */
		InsertResult await();

	}

}
