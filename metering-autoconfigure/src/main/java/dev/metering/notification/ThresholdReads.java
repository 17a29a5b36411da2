package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * When the {@link QuotaThresholdWatcher} reads a window's usage from the ledger: a read scans the
 * ledger rows the rollup has not folded yet, so a written pair is read only when the window may
 * have reached its next notification or its last read is {@code maxAge} old. It keeps what this
 * instance committed of each pair since the pair's last read (at least: every positive quantity,
 * whatever its window; added on the writer's thread) and each window's last reading.
 *
 * @param <P> the watcher's pair (scope, meter)
 */
final class ThresholdReads<P> {

	private final Map<P, BigDecimal> ownSince = new ConcurrentHashMap<>();

	/** Each window's last reading, by the window's key, until the window ends. */
	private final Map<String, WindowReading> readings = new ConcurrentHashMap<>();

	private final Duration maxAge;

	ThresholdReads(Duration maxAge) {
		this.maxAge = maxAge;
	}

	/** This instance committed {@code quantity} more of the pair. */
	void wrote(P pair, BigDecimal quantity) {
		this.ownSince.merge(pair, quantity, BigDecimal::add);
	}

	/** What this instance committed of the pair since its last read, at least. */
	BigDecimal ownSince(P pair) {
		return this.ownSince.getOrDefault(pair, BigDecimal.ZERO);
	}

	/**
	 * Whether a window must be read: never read, its last read {@code maxAge} old, or it may have
	 * reached {@code next}.
	 */
	boolean due(String window, BigDecimal own, BigDecimal next, Instant now) {
		WindowReading last = this.readings.get(window);
		return last == null || last.due(own, next, now, this.maxAge);
	}

	/**
	 * Takes what this instance committed of the pair before its windows are read: what commits
	 * meanwhile is counted again after the reads, so the count stays at least what was written.
	 * @return the quantity taken, to {@link #giveBack} if the reads fail
	 */
	BigDecimal take(P pair) {
		BigDecimal taken = this.ownSince.remove(pair);
		return (taken != null) ? taken : BigDecimal.ZERO;
	}

	/** A pair's reads failed: what was taken counts again. */
	void giveBack(P pair, BigDecimal taken) {
		if (taken.signum() != 0) {
			this.ownSince.merge(pair, taken, BigDecimal::add);
		}
	}

	/** A pair with nothing left to watch: nothing kept of it. */
	void forget(P pair) {
		this.ownSince.remove(pair);
	}

	/** A window was read. */
	void read(String window, BigDecimal used, BigDecimal ownTaken, Instant now, Instant reset) {
		@Nullable WindowReading last = this.readings.get(window);
		this.readings.put(window, WindowReading.after(last, used, ownTaken, now, reset));
	}

	/** Readings of windows ended by now are dropped. */
	void dropEnded(Instant now) {
		this.readings.values().removeIf((reading) -> !reading.reset().isAfter(now));
	}

}
