package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;

import dev.metering.event.UsageEvent;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events the database still refuses when {@code shutdown-timeout} is spent are lost (without the
 * spool), and their number is logged as an error.
 */
@ExtendWith(OutputCaptureExtension.class)
class LedgerWriterShutdownLossTests {

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = { "H2", "POSTGRESQL" })
	void eventsTheDatabaseRefusesUntilTheShutdownTimeoutAreLoggedAsAnErrorWithTheirNumber(TestDatabase database,
			CapturedOutput output) {
		try (TestSchema schema = database.newSchema()) {
			FaultyDataSource down = new FaultyDataSource(schema.dataSource());
			down.mode(FaultyDataSource.Mode.FAIL);
			BufferedLedgerWriter writer = new BufferedLedgerWriter(LedgerWriterTests.store(schema, down),
					new WriterSettings(1000, 100, Duration.ofMillis(10), OverflowPolicy.BLOCK, Duration.ofSeconds(1),
							Duration.ofMillis(300), Duration.ofMillis(20), Duration.ofMillis(50)),
					Clock.systemUTC());
			writer.start();
			for (int i = 0; i < 7; i++) {
				writer.offer(UsageEvent.builder("acme", "http.requests").build());
			}
			writer.stop();
			assertThat(output).containsPattern("ERROR.*Metering writer stopped with 7 events not written");
			assertThat(schema.eventCount()).isZero();
		}
	}

}
