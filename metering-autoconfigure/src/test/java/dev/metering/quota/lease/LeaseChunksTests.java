package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.quota.HardQuotaBudgets.WindowKey;
import dev.metering.quota.QuotaWindow;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How much one lease request asks for: the measured rate's chunk, a floor while the window is far
 * from its limit that falls away as it fills, and at most a quarter of what no instance holds.
 */
class LeaseChunksTests {

	private final AtomicLong nanos = new AtomicLong();

	private final LeaseChunks chunks = new LeaseChunks(LeaseSettings.defaults(), this.nanos::get);

	@Test
	void farFromTheLimitAChunkIsASixteenthOfWhatNoInstanceHolds() {
		LeaseBudget budget = budget(1_000_000);
		assertThat(this.chunks.chunk(budget, BigDecimal.ZERO, BigDecimal.valueOf(1_000_000)))
			.isEqualByComparingTo("62500");
	}

	@Test
	void theFloorFallsWithTheSquareOfTheFreeShare() {
		BigDecimal limit = BigDecimal.valueOf(1_000_000);
		assertThat(LeaseChunks.farFloor(limit, BigDecimal.valueOf(500_000))).isEqualByComparingTo("15625");
		assertThat(LeaseChunks.farFloor(limit, BigDecimal.valueOf(100_000))).isEqualByComparingTo("625");
		assertThat(LeaseChunks.farFloor(limit, BigDecimal.valueOf(10_000))).isEqualByComparingTo("6");
		assertThat(LeaseChunks.farFloor(limit, BigDecimal.ZERO)).isEqualByComparingTo("0");
		assertThat(LeaseChunks.farFloor(BigDecimal.ZERO, BigDecimal.ZERO)).isEqualByComparingTo("0");
	}

	@Test
	void nearTheLimitAChunkIsTheRatesAgain() {
		LeaseBudget budget = budget(1_000_000);
		// The floor (6) is under the initial chunk: the initial chunk it is, as before the floor.
		assertThat(this.chunks.chunk(budget, BigDecimal.ZERO, BigDecimal.valueOf(10_000))).isEqualByComparingTo("10");
		// A measured 1,000 a second: 2 s of it.
		budget.rate = 1000;
		assertThat(this.chunks.chunk(budget, BigDecimal.ZERO, BigDecimal.valueOf(10_000)))
			.isEqualByComparingTo("2000");
	}

	@Test
	void aChunkIsNeverMoreThanAQuarterOfWhatNoInstanceHoldsPlusTheDeficit() {
		LeaseBudget budget = budget(100);
		budget.rate = 1000;
		assertThat(this.chunks.chunk(budget, BigDecimal.ZERO, BigDecimal.valueOf(100))).isEqualByComparingTo("25");
		assertThat(this.chunks.chunk(budget, BigDecimal.ZERO, BigDecimal.valueOf(8))).isEqualByComparingTo("2");
		assertThat(this.chunks.chunk(budget, BigDecimal.valueOf(3), BigDecimal.valueOf(8)))
			.isEqualByComparingTo("5");
		assertThat(this.chunks.chunk(budget, BigDecimal.ONE, BigDecimal.ONE)).isEqualByComparingTo("1");
	}

	private LeaseBudget budget(long limit) {
		Instant start = Instant.parse("2026-11-01T00:00:00Z");
		return new LeaseBudget(new WindowKey("acme", "http.requests", QuotaWindow.MONTH, start,
				Instant.parse("2026-12-01T00:00:00Z")), BigDecimal.valueOf(limit), this.nanos.get());
	}

}
