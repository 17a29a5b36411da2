package dev.metering.ledger;

import java.util.List;

import dev.metering.event.HeldUsage;
import dev.metering.event.UsageEvent;

/**
 * Follows events through the {@link BufferedLedgerWriter}: accepted into the buffer, being
 * written, committed, or given up. Quota enforcement uses it to know, at every moment, which of
 * this instance's events the ledger may already contain, so it counts each exactly once.
 * <p>
 * Callbacks run on the recording thread ({@link #accepted}, and {@link #discarded} for a full
 * buffer) or on the writer thread (the rest); they must be quick and must not throw.
 * For one event the order is: {@code accepted} (or {@code spooled}, later {@code unspooled}), then
 * any number of {@code writing}/{@code failed} pairs, then {@code writing}/{@code written} or
 * {@code discarded}.
 * <p>
 * Events waiting in memory are bounded by the writer's capacity, so a listener may keep state per
 * event from {@code accepted} on. Events on disk only (the {@link EventSpool}'s backlog during an
 * outage) are not: a spool holds millions. A listener must keep no state per event between
 * {@link #spooled} and {@link #unspooled}; both are called in the same order, one event at a time,
 * so what it needs to know of each can be kept as counts per run of alike events.
 */
public interface LedgerWriteListener {

	/**
	 * An event is about to enter the buffer; called before the writer can see it.
	 * @param event the event
	 */
	default void accepted(UsageEvent event) {
	}

	/**
	 * An event is about to enter the buffer, with the usage its recorder held for it (a quota
	 * reservation), which a listener counting the event takes over; called before the writer can
	 * see it. The default ignores the held usage.
	 * @param event the event
	 * @param held the usage held for it, {@link HeldUsage#NONE} for none
	 */
	default void accepted(UsageEvent event, HeldUsage held) {
		accepted(event);
	}

	/**
	 * An event was accepted onto the spool's disk only, behind others waiting there; called on the
	 * recording thread, before it returns. It reaches the buffer later, announced by
	 * {@link #unspooled}, in the order of these calls. The default treats it as
	 * {@link #accepted}.
	 * @param event the event
	 */
	default void spooled(UsageEvent event) {
		accepted(event);
	}

	/**
	 * An event was accepted onto the spool's disk only, with the usage its recorder held for it;
	 * see {@link #spooled(UsageEvent)}. The default ignores the held usage.
	 * @param event the event
	 * @param held the usage held for it, {@link HeldUsage#NONE} for none
	 */
	default void spooled(UsageEvent event, HeldUsage held) {
		spooled(event);
	}

	/**
	 * A {@linkplain #spooled spooled} event leaves the disk for the buffer, before the writer can
	 * see it; called on the spool's drain thread, in the order of the {@link #spooled} calls.
	 * From here on, state per event is bounded again.
	 * @param event the event, read back from disk (equal to the spooled one, not the same object)
	 */
	default void unspooled(UsageEvent event) {
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
