package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How much of a hard limit one lease request asks for: sized by the rate the budget is used at,
 * and shrinking near the limit so other instances are not starved.
 */
final class LeaseChunks {

	private static final BigDecimal SHARE_OF_REST = BigDecimal.valueOf(4);

	private final LeaseSettings settings;

	private final LongSupplier ticker;

	LeaseChunks(LeaseSettings settings, LongSupplier ticker) {
		this.settings = settings;
		this.ticker = ticker;
	}

	/**
	 * A chunk: what the measured rate uses in {@code chunk-duration} (at least the initial chunk),
	 * at most a quarter of what no instance holds (so others are not starved near the limit), and
	 * at least what the deficit needs.
	 */
	BigDecimal chunk(LeaseBudget budget, BigDecimal deficit, BigDecimal unallocated) {
		double perChunk = budget.rate * this.settings.chunkDuration().toMillis() / 1000.0;
		BigDecimal wanted = BigDecimal.valueOf(Math.ceil(perChunk)).max(this.settings.initialChunk());
		BigDecimal share = unallocated.divide(SHARE_OF_REST, 0, RoundingMode.UP).max(BigDecimal.ONE);
		BigDecimal chunk = wanted.min(share).min(unallocated.subtract(deficit).max(BigDecimal.ZERO));
		return chunk.add(deficit);
	}

	/** Updates the budget's rate from what it admitted since the last measurement (100 ms or more ago). */
	void measureRate(LeaseBudget budget) {
		long now = this.ticker.getAsLong();
		long elapsed = now - budget.rateSinceNanos;
		if (elapsed >= TimeUnit.MILLISECONDS.toNanos(100)) {
			double consumed = budget.consumed.sumThenReset();
			budget.rate = consumed * 1e9 / elapsed;
			budget.rateSinceNanos = now;
		}
	}

}
