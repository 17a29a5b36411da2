package dev.metering.autoconfigure;

import java.time.Duration;

import dev.metering.ledger.OverflowPolicy;
import dev.metering.ledger.WriterSettings;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The buffered writer that moves events from the request threads to the ledger, under
 * {@code metering.writer}.
 */
@ConfigurationProperties("metering.writer")
public class MeteringWriterProperties {

	/**
	 * How many events the in-memory buffer holds.
	 */
	private int capacity = 100_000;

	/**
	 * The most events written to the ledger in one transaction. Large batches mean fewer
	 * commits, which brings the writer close to PostgreSQL's own COPY rate (docs/BENCHMARKS.md).
	 */
	private int batchSize = 20_000;

	/**
	 * The longest an event waits for its batch to fill before it is written.
	 */
	private Duration flushInterval = Duration.ofMillis(100);

	/**
	 * What recording does when the buffer is full: 'block' (wait up to block-timeout, then
	 * drop) or 'drop' at once. Every drop is counted and logged.
	 */
	private OverflowPolicy overflow = OverflowPolicy.BLOCK;

	/**
	 * How long recording waits for buffer space under the 'block' overflow policy.
	 */
	private Duration blockTimeout = Duration.ofSeconds(1);

	/**
	 * How long closing the application waits for buffered events to be written.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(30);

	private final Retry retry = new Retry();

	/**
	 * The writer's settings.
	 * @return the settings, validated by {@link WriterSettings}
	 */
	WriterSettings toSettings() {
		return new WriterSettings(this.capacity, this.batchSize, this.flushInterval, this.overflow, this.blockTimeout,
				this.shutdownTimeout, this.retry.getInitialBackoff(), this.retry.getMaxBackoff());
	}

	public int getCapacity() {
		return this.capacity;
	}

	public void setCapacity(int capacity) {
		this.capacity = capacity;
	}

	public int getBatchSize() {
		return this.batchSize;
	}

	public void setBatchSize(int batchSize) {
		this.batchSize = batchSize;
	}

	public Duration getFlushInterval() {
		return this.flushInterval;
	}

	public void setFlushInterval(Duration flushInterval) {
		this.flushInterval = flushInterval;
	}

	public OverflowPolicy getOverflow() {
		return this.overflow;
	}

	public void setOverflow(OverflowPolicy overflow) {
		this.overflow = overflow;
	}

	public Duration getBlockTimeout() {
		return this.blockTimeout;
	}

	public void setBlockTimeout(Duration blockTimeout) {
		this.blockTimeout = blockTimeout;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Retry getRetry() {
		return this.retry;
	}

	/**
	 * Retries of failed writes: every event is kept and retried until the database takes it.
	 */
	public static class Retry {

		/**
		 * The wait after the first failed write; it doubles with each failure.
		 */
		private Duration initialBackoff = Duration.ofMillis(100);

		/**
		 * The longest wait between two attempts.
		 */
		private Duration maxBackoff = Duration.ofSeconds(10);

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

	}

}
