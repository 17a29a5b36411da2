package dev.metering.rollup;

import java.time.Duration;

/**
 * How the rollup job folds the ledger.
 *
 * @param batchSize the most new ledger rows one transaction folds; a run loops until caught up
 * @param gapTimeout how long an id missing below the watermark is waited for before the job takes
 * it as never to commit; a ledger transaction open longer than this is not counted in rollups
 */
public record RollupSettings(int batchSize, Duration gapTimeout) {

	public RollupSettings {
		if (batchSize < 1) {
			throw new IllegalArgumentException("metering.rollup.batch-size must be at least 1, was " + batchSize);
		}
		if (gapTimeout == null || gapTimeout.isNegative()) {
			throw new IllegalArgumentException("metering.rollup.gap-timeout must not be negative, was " + gapTimeout);
		}
	}

	/** The kit's defaults: batches of 1,000,000 rows, gaps waited for 10 minutes. */
	public static RollupSettings defaults() {
		return new RollupSettings(1_000_000, Duration.ofMinutes(10));
	}

}
