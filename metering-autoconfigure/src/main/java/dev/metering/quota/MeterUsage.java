package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * What this instance knows about one scope's use of one meter beyond a ledger reading, by UTC
 * hour (hours tile days and months, so any window is a range of hours):
 * <ul>
 * <li>{@code local}: events handed to the ledger writer and not yet committed;</li>
 * <li>{@code reserved}: quota taken by calls that have passed their check and not yet recorded;</li>
 * <li>{@code committed}: events committed by this instance, each with the writer's sequence
 * number, kept until every reading in use is known to contain them.</li>
 * </ul>
 * Every method must be called holding this object's monitor: the enforcement service holds it
 * across its read-compare-reserve, which makes the reservation atomic. A holder of the monitor
 * that finds {@link #retired} set looks the object up again ({@link LocalUsage#meter}).
 */
final class MeterUsage {

	private final NavigableMap<Long, Hour> hours = new TreeMap<>();

	/** The window of the last warning published per policy name. */
	private final Map<String, QuotaWindow.Bounds> warned = new HashMap<>();

	/** Set when the sweep dropped this object from {@link LocalUsage}: callers look it up again. */
	boolean retired;

	/** The hour looked up last (almost every call is for the current hour): skips the tree and the boxing. */
	private long lastKey = Long.MIN_VALUE;

	private @Nullable Hour lastHour;

	/** Committed events held, over all hours: without any, there is nothing to prune. */
	private int committedCount;

	/**
	 * The highest writer sequence of a committed event {@link #prune} forgot: a reading with a
	 * lower sequence may lack it, so a check that holds such a reading from an earlier check
	 * takes the cache's instead ({@link #prunedPast}).
	 */
	private long prunedSequence = Long.MIN_VALUE;

	void addLocal(long hour, BigDecimal quantity) {
		hour(hour).local = hour(hour).local.add(quantity);
	}

	void removeLocal(long hour, BigDecimal quantity) {
		Hour h = hour(hour);
		h.local = h.local.subtract(quantity);
		dropIfEmpty(hour, h);
	}

	/** Moves a committed event from local to committed, atomically for any concurrent check. */
	void commit(long hour, BigDecimal quantity, long sequence, long nowNanos) {
		Hour h = hour(hour);
		h.local = h.local.subtract(quantity);
		Committed last = h.committed.peekLast();
		if (last != null && last.sequence == sequence) {
			last.quantity = last.quantity.add(quantity);
		}
		else {
			h.committed.addLast(new Committed(sequence, quantity, nowNanos));
			this.committedCount++;
		}
	}

	/**
	 * Forgets committed events older than every reading that can still be served (those contain
	 * them), and tells whether nothing is left worth keeping.
	 * @param committedBeforeNanos events committed before this are in every servable reading
	 * @param nowMillis the present, to tell which warned windows have ended
	 * @return whether this object holds nothing any more
	 */
	boolean sweep(long committedBeforeNanos, long nowMillis) {
		Iterator<Map.Entry<Long, Hour>> entries = this.hours.entrySet().iterator();
		while (entries.hasNext()) {
			Map.Entry<Long, Hour> entry = entries.next();
			Hour h = entry.getValue();
			int before = h.committed.size();
			h.committed.removeIf((c) -> c.committedAtNanos - committedBeforeNanos < 0);
			this.committedCount -= before - h.committed.size();
			if (h.isEmpty()) {
				entries.remove();
				forget(entry.getKey());
			}
		}
		this.warned.values().removeIf((bounds) -> bounds.end().toEpochMilli() <= nowMillis);
		return this.hours.isEmpty() && this.warned.isEmpty();
	}

	void reserve(long hour, BigDecimal quantity) {
		Hour h = hour(hour);
		h.reserved = h.reserved.add(quantity);
	}

	/**
	 * Gives a reservation back. The hour stays even when empty (the next check of the hour
	 * reserves in it again); {@link #prune} and {@link #sweep} drop empty hours.
	 */
	void release(long hour, BigDecimal quantity) {
		Hour h = hour(hour);
		h.reserved = h.reserved.subtract(quantity);
	}

	/**
	 * Usage in hours {@code [fromHour, toHour)} that a ledger reading taken at writer sequence
	 * {@code readingSequence} does not contain.
	 */
	BigDecimal unread(long fromHour, long toHour, long readingSequence) {
		if (this.hours.isEmpty()) {
			return BigDecimal.ZERO;
		}
		Hour only = this.lastHour;
		if (only != null && this.hours.size() == 1) {
			// The usual case: one hour in use, the one looked up last.
			return (fromHour <= this.lastKey && this.lastKey < toHour) ? unread(only, BigDecimal.ZERO, readingSequence)
					: BigDecimal.ZERO;
		}
		BigDecimal sum = BigDecimal.ZERO;
		// The map holds a few recent hours: a scan of it costs less than a boxed sub-map view.
		for (Map.Entry<Long, Hour> entry : this.hours.entrySet()) {
			long key = entry.getKey();
			if (key < fromHour) {
				continue;
			}
			if (key >= toHour) {
				break;
			}
			sum = unread(entry.getValue(), sum, readingSequence);
		}
		return sum;
	}

	private static BigDecimal unread(Hour h, BigDecimal sum, long readingSequence) {
		sum = add(add(sum, h.local), h.reserved);
		if (!h.committed.isEmpty()) {
			for (Committed c : h.committed) {
				if (c.sequence > readingSequence) {
					sum = add(sum, c.quantity);
				}
			}
		}
		return sum;
	}

	/**
	 * Forgets what readings contain: committed events of an hour with a sequence up to the
	 * smallest sequence of the readings whose window holds that hour, and every hour before all
	 * the windows that holds nothing in flight.
	 * @param fromHours the first hour of each reading's window
	 * @param toHours the hour after each reading's window
	 * @param sequences each reading's sequence
	 */
	void prune(long[] fromHours, long[] toHours, long[] sequences) {
		long oldest = Long.MAX_VALUE;
		for (long from : fromHours) {
			oldest = Math.min(oldest, from);
		}
		Iterator<Map.Entry<Long, Hour>> entries = this.hours.entrySet().iterator();
		while (entries.hasNext()) {
			Map.Entry<Long, Hour> entry = entries.next();
			long hour = entry.getKey();
			Hour h = entry.getValue();
			int before = h.committed.size();
			if (hour < oldest) {
				for (Committed c : h.committed) {
					this.prunedSequence = Math.max(this.prunedSequence, c.sequence);
				}
				h.committed.clear();
			}
			else {
				long contained = Long.MAX_VALUE;
				for (int i = 0; i < fromHours.length; i++) {
					if (fromHours[i] <= hour && hour < toHours[i]) {
						contained = Math.min(contained, sequences[i]);
					}
				}
				if (contained != Long.MAX_VALUE) {
					long upTo = contained;
					for (Iterator<Committed> committed = h.committed.iterator(); committed.hasNext();) {
						Committed c = committed.next();
						if (c.sequence <= upTo) {
							this.prunedSequence = Math.max(this.prunedSequence, c.sequence);
							committed.remove();
						}
					}
				}
			}
			this.committedCount -= before - h.committed.size();
			if (h.isEmpty()) {
				entries.remove();
				forget(hour);
			}
		}
	}

	/**
	 * Whether this is the first warning of a policy in the window starting at {@code windowStart};
	 * marks it as given.
	 */
	boolean firstWarning(String policy, QuotaWindow.Bounds window) {
		QuotaWindow.Bounds previous = this.warned.get(policy);
		if (previous != null && window.start().equals(previous.start())) {
			return false;
		}
		this.warned.put(policy, window);
		return true;
	}

	/**
	 * Whether {@link #prune} forgot a committed event that a reading of this sequence does not
	 * contain: counting with that reading would miss it.
	 * @param sequence a reading's sequence
	 * @return {@code true} when the reading is too old for this usage
	 */
	boolean prunedPast(long sequence) {
		return sequence < this.prunedSequence;
	}

	/** Whether committed events are held (what {@link #prune} would look at). */
	boolean hasCommitted() {
		return this.committedCount > 0;
	}

	boolean isEmpty() {
		return this.hours.isEmpty();
	}

	private Hour hour(long hour) {
		Hour h = this.lastHour;
		if (h != null && this.lastKey == hour) {
			return h;
		}
		h = this.hours.computeIfAbsent(hour, (k) -> new Hour());
		this.lastKey = hour;
		this.lastHour = h;
		return h;
	}

	private void dropIfEmpty(long hour, Hour h) {
		if (h.isEmpty()) {
			this.hours.remove(hour);
			forget(hour);
		}
	}

	private void forget(long hour) {
		if (this.lastKey == hour) {
			this.lastHour = null;
			this.lastKey = Long.MIN_VALUE;
		}
	}

	/** A sum that skips adding zero (no new object for the usual empty parts). */
	private static BigDecimal add(BigDecimal sum, BigDecimal value) {
		return (value.signum() == 0) ? sum : (sum.signum() == 0) ? value : sum.add(value);
	}

	/** Seconds since the epoch of the UTC hour that contains an instant. */
	static long hourOf(Instant at) {
		return Math.floorDiv(at.getEpochSecond(), 3600) * 3600;
	}

	private static final class Hour {

		BigDecimal local = BigDecimal.ZERO;

		BigDecimal reserved = BigDecimal.ZERO;

		final ArrayDeque<Committed> committed = new ArrayDeque<>(4);

		boolean isEmpty() {
			return this.local.signum() == 0 && this.reserved.signum() == 0 && this.committed.isEmpty();
		}

	}

	private static final class Committed {

		final long sequence;

		final long committedAtNanos;

		BigDecimal quantity;

		Committed(long sequence, BigDecimal quantity, long committedAtNanos) {
			this.sequence = sequence;
			this.quantity = quantity;
			this.committedAtNanos = committedAtNanos;
		}

	}

}
