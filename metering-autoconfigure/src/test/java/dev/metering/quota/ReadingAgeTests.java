package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.rollup.UsageReader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatRuntimeException;

/**
 * A cached usage reading whose refreshes fail is served stale, but never older than
 * 20 × {@code usage-ttl} (at least 10 minutes): then the check reads the ledger again or fails.
 */
class ReadingAgeTests {

	private static final Instant DAY = Instant.parse("2026-11-23T00:00:00Z");

	private final AtomicLong nanos = new AtomicLong();

	private final AtomicBoolean databaseDown = new AtomicBoolean();

	private final UsageReader reader = new UsageReader() {

		@Override
		public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
			if (ReadingAgeTests.this.databaseDown.get()) {
				throw new IllegalStateException("database unreachable");
			}
			return BigDecimal.valueOf(5);
		}

		@Override
		public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
			return tenantUsage(billingScopeId, meter, from, to);
		}

	};

	@Test
	void aReadingIsNeverServedOlderThanTwentyTimesTheUsageTtl() {
		LedgerReadings readings = readings(Duration.ofMinutes(1));
		LedgerReadings.Key key = new LedgerReadings.Key("acme", "api.calls", QuotaWindow.DAY, DAY, QuotaWindow.DAY.end(DAY));
		assertThat(readings.get(key).value()).isEqualByComparingTo("5");
		this.databaseDown.set(true);

		// Refreshes fail from here on: the old reading is served while it is younger than 20 minutes.
		for (int minute = 1; minute < 20; minute++) {
			this.nanos.addAndGet(Duration.ofMinutes(1).toNanos());
			assertThat(readings.get(key).value()).as("minute %d", minute).isEqualByComparingTo("5");
		}
		this.nanos.addAndGet(Duration.ofMinutes(1).plusSeconds(1).toNanos());
		assertThatRuntimeException().isThrownBy(() -> readings.get(key)).withMessageContaining("database unreachable");
	}

	@Test
	void aShortTtlStillServesAReadingUpToTenMinutes() {
		LedgerReadings readings = readings(Duration.ofSeconds(15));
		LedgerReadings.Key key = new LedgerReadings.Key("acme", "api.calls", QuotaWindow.DAY, DAY, QuotaWindow.DAY.end(DAY));
		assertThat(readings.get(key).value()).isEqualByComparingTo("5");
		this.databaseDown.set(true);
		this.nanos.addAndGet(Duration.ofMinutes(9).toNanos());
		assertThat(readings.get(key).value()).isEqualByComparingTo("5");
		this.nanos.addAndGet(Duration.ofMinutes(1).plusSeconds(1).toNanos());
		assertThatRuntimeException().isThrownBy(() -> readings.get(key));
	}

	private LedgerReadings readings(Duration ttl) {
		LocalUsage local = new LocalUsage((scope, meter) -> true);
		return new LedgerReadings(this.reader, local, ttl, 1000, Runnable::run, this.nanos::get);
	}

}
