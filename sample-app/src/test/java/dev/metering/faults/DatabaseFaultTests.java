package dev.metering.faults;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static dev.metering.faults.FaultHarness.CLIENTS;
import static dev.metering.faults.FaultHarness.FAULT;
import static dev.metering.faults.FaultHarness.WARM_UP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app (child JVM, spool on) under steady load while its database misbehaves: cut off
 * behind a TCP proxy, slowed down, or its connections killed by {@code pg_terminate_backend}.
 * Every answered request must end up as exactly one ledger row, and the app must keep answering.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseFaultTests {

	private static final String APPLICATION_NAME = FaultHarness.tenant("metering-fault");

	/** The app must never stop answering for this long while the database misbehaves. */
	private static final Duration KEPT_ANSWERING = Duration.ofSeconds(2);

	private TestSchema schema;

	private TcpProxy proxy;

	private ChildApp app;

	@BeforeAll
	void start() throws Exception {
		this.schema = TestDatabase.POSTGRESQL.newSchema();
		this.proxy = new TcpProxy("127.0.0.1", postgresPort());
		this.app = new ChildApp("database-faults", FaultHarness.properties(this.schema,
				FaultHarness.postgresUrl(this.proxy.port(), APPLICATION_NAME), FaultHarness.spoolDirectory("db")));
	}

	@AfterAll
	void stop() throws Exception {
		this.app.close();
		this.proxy.close();
		this.schema.close();
	}

	@Test
	void databaseUnreachableUnderLoad() throws Exception {
		run("database unreachable (connections reset and refused)", () -> this.proxy.cut(), () -> this.proxy.heal());
	}

	@Test
	void databaseSlowUnderLoad() throws Exception {
		run("database slow (every packet delayed 500 ms)", () -> this.proxy.delay(500), () -> this.proxy.heal());
	}

	@Test
	void writerConnectionsTerminatedMidBatch() throws Exception {
		AtomicLong terminated = new AtomicLong();
		Thread[] killer = new Thread[1];
		run("writer's connections killed with pg_terminate_backend every 200 ms", () -> {
			killer[0] = new Thread(() -> {
				while (!Thread.currentThread().isInterrupted()) {
					terminated.addAndGet(this.schema.jdbc()
						.queryForList("select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?",
								Boolean.class, APPLICATION_NAME)
						.stream()
						.filter(Boolean::booleanValue)
						.count());
					SteadyLoad.sleep(200);
				}
			});
			killer[0].start();
		}, () -> {
			killer[0].interrupt();
			killer[0].join();
		});
		assertThat(terminated.get()).as("backends terminated").isPositive();
	}

	private void run(String fault, Step inject, Step heal) throws Exception {
		String tenant = FaultHarness.tenant("db");
		SteadyLoad load = new SteadyLoad(this.app.port, tenant, CLIENTS);
		Duration recovery;
		try {
			Thread.sleep(WARM_UP.toMillis());
			load.resetSilence();
			inject.run();
			Thread.sleep(FAULT.toMillis());
			heal.run();
			long answeredAtHeal = load.answered();
			// Recovery: from the end of the fault until every request answered by then is in the ledger.
			recovery = FaultHarness.awaitLedger(this.schema, tenant, () -> answeredAtHeal);
			assertThat(recovery).as("recovered within " + FaultHarness.RECOVERY_TIMEOUT).isNotNull();
			Thread.sleep(1_000);
			load.stop();
			assertThat(FaultHarness.awaitLedger(this.schema, tenant, load::answered)).isNotNull();
		}
		finally {
			load.close();
			heal.run();
		}
		long[] ledger = FaultHarness.ledger(this.schema, tenant);
		FaultResult result = new FaultResult(fault + ", spool on", load.requestsPerSecond(), FAULT, load.answered(),
				ledger[0], ledger[1], load.failed(), load.longestSilence(), recovery);
		result.append();

		assertThat(result.lost()).isZero();
		assertThat(result.doubled()).isZero();
		// A row without its answer only for a request whose connection broke on the client's side.
		assertThat(result.unanswered()).isLessThanOrEqualTo(load.torn());
		assertThat(load.refused()).as("requests answered with an error status").isZero();
		// A client connection torn down under a loaded machine is not the app's answer; a handful at most.
		assertThat(load.failed()).isLessThanOrEqualTo(Math.max(2, load.answered() / 1_000));
		assertThat(load.longestSilence()).isLessThan(KEPT_ANSWERING);
	}

	private static int postgresPort() {
		java.util.regex.Matcher port = java.util.regex.Pattern.compile("//[^/:]+:(\\d+)/")
			.matcher(TestDatabase.POSTGRESQL.jdbcUrl());
		return port.find() ? Integer.parseInt(port.group(1)) : 5432;
	}

	@FunctionalInterface
	private interface Step {

		void run() throws Exception;

	}

}
