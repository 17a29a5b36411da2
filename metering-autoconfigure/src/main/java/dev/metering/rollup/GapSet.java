package dev.metering.rollup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The open gaps of a rollup while one run works on them: ids found fill (split) their gap, gaps
 * older than the timeout are given up, and ids skipped above the old watermark open new gaps.
 * Not thread-safe: one run owns it.
 */
final class GapSet {

	private final TreeMap<Long, IdGap> byStart = new TreeMap<>();

	private int expired;

	GapSet(Collection<IdGap> gaps) {
		for (IdGap gap : gaps) {
			this.byStart.put(gap.start(), gap);
		}
	}

	/**
	 * Removes an id that was found in the ledger.
	 * @param id the id
	 * @return whether it was in a gap
	 */
	boolean fill(long id) {
		Map.Entry<Long, IdGap> entry = this.byStart.floorEntry(id);
		if (entry == null || !entry.getValue().contains(id)) {
			return false;
		}
		IdGap gap = entry.getValue();
		this.byStart.remove(gap.start());
		if (gap.start() < id) {
			this.byStart.put(gap.start(), new IdGap(gap.start(), id - 1, gap.firstSeenAt()));
		}
		if (id < gap.end()) {
			this.byStart.put(id + 1, new IdGap(id + 1, gap.end(), gap.firstSeenAt()));
		}
		return true;
	}

	/**
	 * Opens a gap of ids not seen.
	 * @param start the first missing id
	 * @param end the last missing id
	 * @param now when it was found missing
	 */
	void open(long start, long end, Instant now) {
		this.byStart.put(start, new IdGap(start, end, now));
	}

	/**
	 * Gives up gaps open for at least {@code timeout}: their ids are taken to be never committed.
	 * @param now the current time
	 * @param timeout the gap timeout
	 */
	void expire(Instant now, Duration timeout) {
		this.byStart.values().removeIf((gap) -> {
			boolean old = !gap.firstSeenAt().plus(timeout).isAfter(now);
			if (old) {
				this.expired++;
			}
			return old;
		});
	}

	/** Gaps given up by {@link #expire}. */
	int expired() {
		return this.expired;
	}

	/** The gaps, lowest first. */
	List<IdGap> gaps() {
		return new ArrayList<>(this.byStart.values());
	}

	int size() {
		return this.byStart.size();
	}

}
