package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How much of a hard limit one lease request asks for: sized by the rate the budget is used at,
 * larger while the window is far from its limit, and shrinking near the limit so other instances
 * are not starved.
 */
final class LeaseChunks {

	private static final BigDecimal SHARE_OF_REST = BigDecimal.valueOf(4);

	/**
	 * Far from the limit a chunk is at least {@code free × (free / limit) / 16}: a tenant at a low
	 * rate then asks for budget once a window, not every {@code chunk-duration}, and the floor
	 * falls with the square of the free share, so it is gone well before the limit is near.
	 */
	private static final BigDecimal FAR_SHARE = BigDecimal.valueOf(16);

	private final LeaseSettings settings;

	private final LongSupplier ticker;

	LeaseChunks(LeaseSettings settings, LongSupplier ticker) {
		this.settings = settings;
		this.ticker = ticker;
	}

	/**
	 * A chunk: what the measured rate uses in {@code chunk-duration} (at least the initial chunk,
	 * and at least {@link #farFloor the floor far from the limit}), at most a quarter of what no
	 * instance holds (so others are not starved near the limit), and at least what the deficit
	 * needs.
	 */
	BigDecimal chunk(LeaseBudget budget, BigDecimal deficit, BigDecimal unallocated) {
		double perChunk = budget.rate * this.settings.chunkDuration().toMillis() / 1000.0;
		BigDecimal wanted = BigDecimal.valueOf(Math.ceil(perChunk))
			.max(this.settings.initialChunk())
			.max(farFloor(budget.limit, unallocated));
		BigDecimal share = unallocated.divide(SHARE_OF_REST, 0, RoundingMode.UP).max(BigDecimal.ONE);
		BigDecimal chunk = wanted.min(share).min(unallocated.subtract(deficit).max(BigDecimal.ZERO));
		return chunk.add(deficit);
	}

	/**
	 * The least chunk while the window is far from its limit: {@code free² / (16 × limit)}, a
	 * sixteenth of what no instance holds when nothing is, falling to nothing as the window fills
	 * (a 32nd of what is free at half of the limit free, a 160th at a tenth). The quarter
	 * rule still caps the chunk, so the sum of the leases stays within the limit whatever this is.
	 */
	static BigDecimal farFloor(BigDecimal limit, BigDecimal unallocated) {
		if (limit.signum() <= 0 || unallocated.signum() <= 0) {
			return BigDecimal.ZERO;
		}
		return unallocated.multiply(unallocated).divide(limit.multiply(FAR_SHARE), 0, RoundingMode.DOWN);
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
