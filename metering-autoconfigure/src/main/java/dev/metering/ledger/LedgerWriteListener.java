package dev.metering.ledger;

import java.util.List;

import dev.metering.event.UsageEvent;

/**
 * Follows events through the {@link BufferedLedgerWriter}: accepted into the buffer, being
 * written, committed, or given up. Quota enforcement uses it to know, at every moment, which of
 * this instance's events the ledger may already contain, so it counts each exactly once.
 * <p>
 * Callbacks run on the recording thread ({@link #accepted}, and {@link #discarded} for a full
 * buffer) or on the writer thread (the rest); they must be quick and must not throw.
 * For one event the order is: {@code accepted}, then any number of {@code writing}/{@code failed}
 * pairs, then {@code writing}/{@code written} or {@code discarded}.
 */
public interface LedgerWriteListener {

	/**
	 * An event is about to enter the buffer; called before the writer can see it.
	 * @param event the event
	 */
	default void accepted(UsageEvent event) {
	}

	/**
	 * An accepted event will never be in the ledger (buffer full, refused by the database, or
	 * abandoned at shutdown).
	 * @param event the event
	 */
	default void discarded(UsageEvent event) {
	}

	/**
	 * A batch is about to be inserted: from now until {@link #written} or {@link #failed}, its
	 * rows may or may not be visible to a reader.
	 * @param batch the events of the batch
	 */
	default void writing(List<UsageEvent> batch) {
	}

	/**
	 * A batch has been committed: every event of it is in the ledger (inserted now, or skipped
	 * as already there).
	 * @param batch the events of the batch
	 */
	default void written(List<UsageEvent> batch) {
	}

	/**
	 * Inserting a batch failed; it will be retried or split. Its rows may or may not have been
	 * committed.
	 * @param batch the events of the batch
	 */
	default void failed(List<UsageEvent> batch) {
	}

}
