package dev.metering.ledger;

import java.time.Duration;

/**
 * How the buffered ledger writer batches, waits and retries.
 *
 * @param capacity how many events the buffer holds
 * @param batchSize the most events written in one transaction
 * @param flushInterval the longest an event waits for a batch to fill before it is written
 * @param overflow what recording does when the buffer is full
 * @param blockTimeout how long {@link OverflowPolicy#BLOCK} waits for space
 * @param shutdownTimeout how long closing the context waits for the buffer to be written
 * @param initialBackoff the first wait after a failed write
 * @param maxBackoff the longest wait between retries
 */
public record WriterSettings(int capacity, int batchSize, Duration flushInterval, OverflowPolicy overflow,
		Duration blockTimeout, Duration shutdownTimeout, Duration initialBackoff, Duration maxBackoff) {

	public WriterSettings {
		if (capacity < 1) {
			throw new IllegalArgumentException("metering.writer.capacity must be at least 1, was " + capacity);
		}
		if (batchSize < 1) {
			throw new IllegalArgumentException("metering.writer.batch-size must be at least 1, was " + batchSize);
		}
		requirePositive("metering.writer.flush-interval", flushInterval);
		requirePositive("metering.writer.retry.initial-backoff", initialBackoff);
		requirePositive("metering.writer.retry.max-backoff", maxBackoff);
		if (blockTimeout.isNegative() || shutdownTimeout.isNegative()) {
			throw new IllegalArgumentException("metering.writer timeouts must not be negative");
		}
	}

	/** Settings for tests and programmatic use: the kit's defaults. */
	public static WriterSettings defaults() {
		return new WriterSettings(100_000, 20_000, Duration.ofMillis(100), OverflowPolicy.BLOCK, Duration.ofSeconds(1),
				Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(10));
	}

	private static void requirePositive(String name, Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new IllegalArgumentException(name + " must be positive, was " + value);
		}
	}

}
