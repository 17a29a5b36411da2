package dev.metering.admin;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LayeredMeterDefinitions} on a database that fails: the first use reads the rows, later
 * reads run in the background after the time to live, callers never wait for a failing database
 * and get the definitions read last, and a change is seen once the database answers again.
 */
class LayeredMeterDefinitionsTests {

	@Test
	void aFailingDatabaseServesTheDefinitionsReadLastWithoutMakingCallersWait() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			AtomicBoolean failing = new AtomicBoolean();
			AtomicInteger connections = new AtomicInteger();
			DelegatingDataSource dataSource = new DelegatingDataSource(schema.dataSource()) {

				@Override
				public Connection getConnection() throws SQLException {
					connections.incrementAndGet();
					if (failing.get()) {
						// A database that does not answer: a caller reading it itself would wait this long.
						try {
							Thread.sleep(200);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
						throw new SQLException("database down (test)");
					}
					return super.getConnection();
				}

			};
			JdbcRuntimeDefinitions store = new JdbcRuntimeDefinitions(dataSource, schema.tables(), schema::dialect);
			store.saveMeterDefinition(MeterDefinition.builder("llm.tokens", Aggregation.SUM)
				.value("/tokens")
				.groupBy("model", "/model")
				.build(), false, Instant.now());
			MeterDefinitions configured = MeterDefinitions
				.of(List.of(MeterDefinition.builder("llm.tokens", Aggregation.COUNT).build(),
						MeterDefinition.builder("seats", Aggregation.UNIQUE_COUNT).value("/user").build()));
			LayeredMeterDefinitions definitions = new LayeredMeterDefinitions(configured, store, null,
					Duration.ofMillis(50));

			assertThat(definitions.find("llm.tokens").groupBy()).as("the row wins from the first use")
				.containsOnlyKeys("model");
			assertThat(definitions.find("seats")).isNotNull();

			failing.set(true);
			int before = connections.get();
			long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
			while (connections.get() < before + 2) {
				long started = System.nanoTime();
				assertThat(definitions.find("llm.tokens").aggregation()).isEqualTo(Aggregation.SUM);
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(150));
				assertThat(System.nanoTime()).as("read again in the background, and retried").isLessThan(deadline);
				Thread.sleep(5);
			}

			failing.set(false);
			store.saveMeterDefinition(MeterDefinition.builder("llm.tokens", Aggregation.MAX).value("/tokens").build(),
					true, Instant.now());
			await(() -> definitions.find("llm.tokens").aggregation() == Aggregation.MAX);
			store.deleteMeterDefinition("llm.tokens");
			definitions.forget();
			await(() -> definitions.find("llm.tokens").aggregation() == Aggregation.COUNT);
			assertThat(definitions.forEventType("seats")).extracting(MeterDefinition::name).containsExactly("seats");
			assertThat(definitions.all()).hasSize(2);
		}
	}

	private static void await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("not seen within 10 s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}
