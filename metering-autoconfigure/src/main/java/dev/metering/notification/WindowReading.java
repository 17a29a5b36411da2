package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What the threshold watcher's last ledger read of one window found: every instance's usage
 * then, and how fast the other instances' usage grew between the two last reads. It tells when
 * the window must be read again; a notification is only ever decided on a read.
 *
 * @param used the window's usage read (every instance's)
 * @param at when it was read
 * @param othersPerMilli the other instances' usage per millisecond between the last two reads
 * (this instance's own writes taken off), zero when unknown
 * @param reset the window's end, after which the reading is dropped
 */
record WindowReading(BigDecimal used, Instant at, double othersPerMilli, Instant reset) {

	/**
	 * The reading after a new read.
	 * @param previous the reading before, null for none
	 * @param used the usage read now
	 * @param ownSince at least what this instance wrote to the window since the previous read
	 * @param now when it was read
	 * @param reset the window's end
	 * @return the reading
	 */
	static WindowReading after(@Nullable WindowReading previous, BigDecimal used, BigDecimal ownSince, Instant now,
			Instant reset) {
		double othersPerMilli = 0;
		if (previous != null) {
			long millis = Duration.between(previous.at(), now).toMillis();
			double others = used.subtract(previous.used()).subtract(ownSince).doubleValue();
			othersPerMilli = (millis > 0 && others > 0) ? others / millis : 0;
		}
		return new WindowReading(used, now, othersPerMilli, reset);
	}

	/**
	 * Whether the window must be read again: it may have reached {@code next}, counting this
	 * instance's own writes since the read exactly (at least) and the others' at their last
	 * rate, or the read is {@code maxAge} old (the others' usage is seen at least that often).
	 * @param ownSince at least what this instance wrote to the window since the read
	 * @param next the lowest usage with a notification still to emit
	 * @param now now
	 * @param maxAge the oldest a reading may be
	 * @return whether to read
	 */
	boolean due(BigDecimal ownSince, BigDecimal next, Instant now, Duration maxAge) {
		long millis = Duration.between(this.at, now).toMillis();
		if (millis >= maxAge.toMillis()) {
			return true;
		}
		BigDecimal estimate = this.used.add(ownSince);
		if (this.othersPerMilli > 0 && millis > 0) {
			estimate = estimate.add(BigDecimal.valueOf(this.othersPerMilli * millis));
		}
		return estimate.compareTo(next) >= 0;
	}

}
