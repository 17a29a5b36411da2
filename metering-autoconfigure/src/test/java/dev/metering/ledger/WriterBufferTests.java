package dev.metering.ledger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How long the writer sleeps while a batch fills: never so long that, at the rate it just saw,
 * more than an eighth of the buffer (or the batch's room) would arrive, never over 20 ms.
 */
class WriterBufferTests {

	private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

	@Test
	void aSteadyRateFarBelowTheBufferSleepsTheLongestPause() {
		WriterBuffer buffer = buffer(100_000, 20_000);
		// 17,000 events/s: 85 events in 5 ms.
		assertThat(buffer.nextPause(85, 5 * MS, 19_000)).isEqualTo(20 * MS);
		assertThat(buffer.nextPause(0, 5 * MS, 19_000)).isEqualTo(20 * MS);
	}

	@Test
	void aRateThatWouldFillAnEighthOfTheBufferSleepsOnlyUntilThen() {
		WriterBuffer buffer = buffer(100_000, 50_000);
		// 2,000,000 events/s: an eighth of the buffer (12,500 events) arrives in 6.25 ms.
		long pause = buffer.nextPause(40_000, 20 * MS, 40_000);
		assertThat(pause).isEqualTo(6_250_000);
		assertThat(40_000.0 / (20 * MS) * pause).isLessThanOrEqualTo(12_500);
	}

	@Test
	void aBatchNearlyFullSleepsOnlyUntilItWouldBeFull() {
		WriterBuffer buffer = buffer(100_000, 20_000);
		// 100 events in 10 ms, 200 more fill the batch: 20 ms.
		assertThat(buffer.nextPause(100, 10 * MS, 200)).isEqualTo(20 * MS);
		// 1,000 events in 10 ms, 200 more fill the batch: 2 ms.
		assertThat(buffer.nextPause(1_000, 10 * MS, 200)).isEqualTo(2 * MS);
	}

	@Test
	void aSmallBufferNeverSleepsLongerThanOneEventTookAndAtLeastAMillisecond() {
		WriterBuffer buffer = buffer(8, 4);
		assertThat(buffer.nextPause(0, 5 * MS, 4)).isEqualTo(5 * MS);
		assertThat(buffer.nextPause(2, 4 * MS, 2)).isEqualTo(2 * MS);
		assertThat(buffer.nextPause(10, 5 * MS, 2)).isEqualTo(MS);
	}

	private static WriterBuffer buffer(int capacity, int batchSize) {
		return new WriterBuffer(new WriterSettings(capacity, batchSize, Duration.ofMillis(100), OverflowPolicy.BLOCK,
				Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMillis(20), Duration.ofMillis(400)));
	}

}
