package dev.metering.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Hourly rollups, the projection of the ledger that quotas and bills read, under
 * {@code metering.rollup}.
 */
@ConfigurationProperties("metering.rollup")
public class MeteringRollupProperties {

	/**
	 * Whether the rollup job runs every interval. When false, rollups are folded only by calling
	 * RollupJob.rollupNow() (or by another instance); usage reads stay exact.
	 */
	private boolean enabled = true;

	/**
	 * The wait between the end of one rollup run and the start of the next.
	 */
	private Duration interval = Duration.ofSeconds(60);

	/**
	 * The wait after start-up before the first rollup run.
	 */
	private Duration initialDelay = Duration.ofSeconds(10);

	/**
	 * The most new ledger rows folded in one transaction; a run loops until it has caught up.
	 * Larger batches sum more events into each rollup row before writing it (fewer rollup rows
	 * written per event) and hold the rollup's progress lock longer. The database sums a batch
	 * by hashing its distinct rollup keys, so its memory follows the keys, not the rows. On
	 * PostgreSQL, writer batches folded from their sums count their rows toward it, and a
	 * transaction takes at least one such batch whole.
	 */
	private int batchSize = 1_000_000;

	/**
	 * How long a ledger id missing below the rollup's watermark (its transaction had not
	 * committed when the rollup passed it) is waited for before it is taken as rolled back. A
	 * ledger transaction that stays open longer than this is not counted in rollups.
	 */
	private Duration gapTimeout = Duration.ofMinutes(10);

	/**
	 * Whether the writer also writes each batch's sums by rollup key (PostgreSQL, batches of at
	 * least 16 rows per key), for the rollup to fold instead of the batch's rows. Independent of
	 * {@code enabled}: an instance that writes may leave the folding to another instance or to
	 * calls of {@code RollupJob.rollupNow()}. Turn it off only where nothing ever folds the ledger:
	 * the sums are deleted when folded.
	 */
	private boolean batchSums = true;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public boolean isBatchSums() {
		return this.batchSums;
	}

	public void setBatchSums(boolean batchSums) {
		this.batchSums = batchSums;
	}

	public Duration getInterval() {
		return this.interval;
	}

	public void setInterval(Duration interval) {
		this.interval = interval;
	}

	public Duration getInitialDelay() {
		return this.initialDelay;
	}

	public void setInitialDelay(Duration initialDelay) {
		this.initialDelay = initialDelay;
	}

	public int getBatchSize() {
		return this.batchSize;
	}

	public void setBatchSize(int batchSize) {
		this.batchSize = batchSize;
	}

	public Duration getGapTimeout() {
		return this.gapTimeout;
	}

	public void setGapTimeout(Duration gapTimeout) {
		this.gapTimeout = gapTimeout;
	}

}
