package dev.metering.ledger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;

/**
 * Logs a repeating warning at most once per interval, so a database outage or a full buffer
 * is visible without flooding the log.
 */
final class RateLimitedLog {

	private final Log log;

	private final long intervalNanos;

	private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);

	RateLimitedLog(Log log, Duration interval) {
		this.log = log;
		this.intervalNanos = interval.toNanos();
	}

	void warn(Supplier<String> message) {
		long now = System.nanoTime();
		long next = this.nextAllowed.get();
		if ((next == Long.MIN_VALUE || now - next >= 0) && this.nextAllowed.compareAndSet(next, now + this.intervalNanos)) {
			this.log.warn(message.get());
		}
	}

}
