package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;

import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A row the database refuses as invalid data (here a meter longer than its column, which only an
 * event that skipped validation can carry) is counted as rejected and never stored changed, and
 * the rest of its batch still lands.
 */
class LedgerRejectedRowTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anInvalidRowIsRejectedAndCountedAndTheRestOfItsBatchLands(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			BufferedLedgerWriter writer = new BufferedLedgerWriter(LedgerWriterTests.store(schema, schema.dataSource()),
					LedgerWriterTests.settings(10_000, Duration.ofMillis(10)), Clock.systemUTC());
			writer.start();
			try {
				// Offered straight to the writer, as a sink of an application's own would: no validation.
				for (int i = 0; i < 20; i++) {
					writer.offer(UsageEvent.builder("acme", (i == 7) ? "m".repeat(129) : "http.requests").build());
				}
				assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
				WriterStats stats = writer.stats();
				assertThat(stats.rejected()).isEqualTo(1);
				assertThat(stats.written()).isEqualTo(19);
				assertThat(schema.eventCount()).isEqualTo(19);
				assertThat(schema.jdbc()
					.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent() + " WHERE meter <> ?",
							Long.class, "http.requests"))
					.as("no row stored changed").isZero();
			}
			finally {
				writer.stop();
			}
		}
	}

}
