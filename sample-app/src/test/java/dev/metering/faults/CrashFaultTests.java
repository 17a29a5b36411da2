package dev.metering.faults;

import java.nio.file.Path;
import java.time.Duration;

import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static dev.metering.faults.FaultHarness.CLIENTS;
import static dev.metering.faults.FaultHarness.WARM_UP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app in a child JVM under steady load, killed: {@code kill -9} with and without the
 * spool, and {@code SIGTERM}. Every answered request must end up as exactly one ledger row,
 * except what the run without the spool loses, which is counted.
 */
class CrashFaultTests {

	/** A long flush interval keeps many events in memory: the worst case for a hard kill. */
	private static final String SLOW_FLUSH = "metering.writer.flush-interval=2s";

	@Test
	void killNineUnderLoadWithTheSpoolLosesNothingOnceRestarted() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			String tenant = FaultHarness.tenant("kill9-spool");
			Path spool = FaultHarness.spoolDirectory("kill9");
			var properties = FaultHarness.properties(schema, FaultHarness.postgresUrl(0, tenant), spool, SLOW_FLUSH);
			SteadyLoad load;
			try (ChildApp app = new ChildApp("kill9-spool-run1", properties)) {
				load = new SteadyLoad(app.port, tenant, CLIENTS);
				Thread.sleep(WARM_UP.toMillis() + 1_000);
				load.endOfMeasure();
				app.kill();
				load.stop();
			}
			long beforeRestart = FaultHarness.ledger(schema, tenant)[0];
			long restart = System.nanoTime();
			try (ChildApp restarted = new ChildApp("kill9-spool-run2", properties)) {
				FaultHarness.awaitLedger(schema, tenant, load::answered);
				Duration recovery = Duration.ofNanos(System.nanoTime() - restart);
				long[] ledger = FaultHarness.ledger(schema, tenant);
				FaultResult result = new FaultResult("kill -9 under load, spool on (restart replays)",
						load.requestsPerSecond(), Duration.ZERO, load.answered(), ledger[0], ledger[1], load.failed(),
						null, recovery);
				result.append();

				assertThat(beforeRestart).as("the kill lost the buffer until the restart").isLessThan(load.answered());
				assertThat(result.lost()).isZero();
				assertThat(result.doubled()).isZero();
				// A request in flight at the kill may be recorded without its answer arriving.
				assertThat(result.unanswered()).isLessThanOrEqualTo(load.failed());
			}
		}
	}

	@Test
	void killNineUnderLoadWithoutTheSpoolLosesTheBufferAndCountsNothingTwice() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			String tenant = FaultHarness.tenant("kill9-nospool");
			var properties = FaultHarness.properties(schema, FaultHarness.postgresUrl(0, tenant), null, SLOW_FLUSH);
			SteadyLoad load;
			try (ChildApp app = new ChildApp("kill9-nospool", properties)) {
				load = new SteadyLoad(app.port, tenant, CLIENTS);
				Thread.sleep(WARM_UP.toMillis() + 1_000);
				load.endOfMeasure();
				app.kill();
				load.stop();
			}
			long[] ledger = FaultHarness.ledger(schema, tenant);
			FaultResult result = new FaultResult("kill -9 under load, spool off", load.requestsPerSecond(),
					Duration.ZERO, load.answered(), ledger[0], ledger[1], load.failed(), null, null);
			result.append();

			assertThat(result.lost()).as("the in-memory buffer dies with the process").isPositive();
			assertThat(result.doubled()).isZero();
		}
	}

	@Test
	void sigtermUnderLoadWritesEveryAcceptedEventBeforeExit() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			String tenant = FaultHarness.tenant("sigterm");
			var properties = FaultHarness.properties(schema, FaultHarness.postgresUrl(0, tenant), null, SLOW_FLUSH,
					"server.shutdown=graceful");
			SteadyLoad load;
			Duration shutdown;
			try (ChildApp app = new ChildApp("sigterm", properties)) {
				load = new SteadyLoad(app.port, tenant, CLIENTS);
				Thread.sleep(WARM_UP.toMillis() + 1_000);
				load.endOfMeasure();
				shutdown = app.terminate(Duration.ofSeconds(60));
				load.stop();
			}
			long[] ledger = FaultHarness.ledger(schema, tenant);
			FaultResult result = new FaultResult("SIGTERM under load, spool off", load.requestsPerSecond(),
					Duration.ZERO, load.answered(), ledger[0], ledger[1], load.failed(), null, shutdown);
			result.append();

			assertThat(result.lost()).isZero();
			assertThat(result.doubled()).isZero();
			assertThat(result.unanswered()).isLessThanOrEqualTo(load.failed());
			assertThat(shutdown).isLessThan(Duration.ofSeconds(30));
		}
	}

}
