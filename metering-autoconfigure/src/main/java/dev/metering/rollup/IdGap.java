package dev.metering.rollup;

import java.time.Instant;

/**
 * An inclusive range of ledger ids at or below the watermark that no run has seen yet: held by a
 * transaction that has not committed, or never to commit (rolled back, or a skipped duplicate).
 *
 * @param start the first missing id
 * @param end the last missing id (inclusive)
 * @param firstSeenAt when a run first found the range missing; the gap timeout runs from here
 */
record IdGap(long start, long end, Instant firstSeenAt) {

	IdGap {
		if (end < start) {
			throw new IllegalArgumentException("Empty gap [" + start + ", " + end + "]");
		}
	}

	boolean contains(long id) {
		return id >= this.start && id <= this.end;
	}

}
