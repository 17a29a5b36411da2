package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.internal.json.DimensionsJson;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.meter.MeterEvents;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer's batch aggregates of defined meters on PostgreSQL: a batch with an event of a
 * defined meter writes, beside its sums, its aggregates by (tenant, meter, scope, hour,
 * dimensions); the defined meters' fold reads them instead of the batch's rows, and reads the rows
 * where a batch's aggregates are missing. Every aggregation of every group and window stays equal
 * to the same aggregation over the ledger ({@link MeterRollupTests#assertEveryWindowMatches}).
 */
class MeterBatchFoldTests {

	/** Two hours either side of a month's start, so a batch's keys fall in two months. */
	private static final long[] HOURS = { -1, 0 };

	@Test
	void aBatchOfADefinedMeterWritesItsAggregatesAndTheFoldReadsThemInsteadOfItsRows() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = store(schema.dataSource(), schema);
			SplittableRandom random = new SplittableRandom(27);
			for (int i = 0; i < 4; i++) {
				store.insert(batch(random, 150), Instant.now());
			}
			assertThat(runs(schema)).as("one run of aggregates a batch").isEqualTo(4);
			// Raise one aggregate of one batch: the rollup shows it only if the fold read it, not the rows.
			Map<String, Object> one = schema.jdbc()
				.queryForMap("SELECT first_id, tenant_id, period_start, dimensions FROM " + schema.tables().meterBatch()
						+ " WHERE meter = 't.tokens' ORDER BY first_id, dimensions LIMIT 1");
			schema.jdbc()
				.update("UPDATE " + schema.tables().meterBatch() + " SET quantity = quantity + 1000000 WHERE first_id = ? "
						+ "AND meter = 't.tokens' AND tenant_id = ? AND period_start = ? AND dimensions = ?",
						one.get("first_id"), one.get("tenant_id"), one.get("period_start"), one.get("dimensions"));

			fold(schema, RollupSettings.defaults());

			String model = DimensionsJson.decode((String) one.get("dimensions")).get("model");
			Instant hour = ((java.sql.Timestamp) one.get("period_start")).toInstant();
			MeterGroupUsage usage = new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables())
				.read((String) one.get("tenant_id"), "t.tokens", hour, hour.plus(1, ChronoUnit.HOURS))
				.get(Map.of("model", model));
			BigDecimal ledger = new MeterLedgerTruth(schema)
				.aggregates((String) one.get("tenant_id"), "t.tokens", Map.of("model", model), hour,
						hour.plus(1, ChronoUnit.HOURS))
				.sum();
			assertThat(usage.sum()).as("read from the batch's aggregates").isEqualByComparingTo(ledger.add(
					BigDecimal.valueOf(1_000_000)));
			assertThat(runs(schema)).as("aggregates are deleted once folded").isZero();
		}
	}

	@Test
	void everyAggregationStaysExactWhenTheFoldReadsBatchAggregates() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = store(schema.dataSource(), schema);
			SplittableRandom random = new SplittableRandom(7);
			for (int i = 0; i < 6; i++) {
				store.insert(batch(random, 120), Instant.now());
			}
			assertThat(runs(schema)).isEqualTo(6);

			fold(schema, RollupSettings.defaults());

			assertThat(RollupTruth.differences(schema)).as("the sum rollups stay exact").isEmpty();
			MeterRollupTests.assertEveryWindowMatches(schema);
		}
	}

	@Test
	void aBatchWhoseAggregatesWereLostIsFoldedFromItsRows() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = store(schema.dataSource(), schema);
			SplittableRandom random = new SplittableRandom(11);
			for (int i = 0; i < 5; i++) {
				store.insert(batch(random, 120), Instant.now());
			}
			// As after a crash between the ledger and its aggregates, or a store that writes none.
			Long second = schema.jdbc()
				.queryForObject("SELECT DISTINCT first_id FROM " + schema.tables().meterBatch()
						+ " ORDER BY first_id OFFSET 1 LIMIT 1", Long.class);
			schema.jdbc().update("DELETE FROM " + schema.tables().meterBatch() + " WHERE first_id = ?", second);
			// And rows of a batch written without aggregates (a store without definitions), in between.
			RollupJobTests.store(schema).insert(batch(random, 120), Instant.now());
			store.insert(batch(random, 120), Instant.now());
			assertThat(runs(schema)).isEqualTo(5);

			fold(schema, RollupSettings.defaults());

			MeterRollupTests.assertEveryWindowMatches(schema);
			assertThat(runs(schema)).isZero();
		}
	}

	@Test
	void smallFoldBatchesOverRowsAndBatchAggregatesStayExact() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = store(schema.dataSource(), schema);
			SplittableRandom random = new SplittableRandom(5);
			// Rows without sums or aggregates (written one statement each) first, folded from the rows in
			// batches of 100, then the writer's batches, each folded whole from its sums and aggregates.
			for (UsageEvent event : batch(random, 10)) {
				RollupJobTests.store(schema).insert(List.of(event), Instant.now());
			}
			for (int i = 0; i < 4; i++) {
				store.insert(batch(random, 120), Instant.now());
			}

			fold(schema, new RollupSettings(100, Duration.ofMinutes(10)));

			assertThat(RollupTruth.differences(schema)).isEmpty();
			MeterRollupTests.assertEveryWindowMatches(schema);
		}
	}

	/**
	 * The acceptance race with batch aggregates: two writer instances write batches that have them,
	 * a third commits late or rolls back, two rollup jobs of their own DataSources race.
	 */
	@Test
	void twoWritersAndTwoRacingRollupsWithBatchAggregatesStayExact() throws Exception {
		TestDatabase database = TestDatabase.POSTGRESQL;
		try (TestSchema schema = database.newSchema();
				HikariDataSource instanceA = database.newDataSource(3);
				HikariDataSource instanceB = database.newDataSource(3)) {
			RollupSettings settings = new RollupSettings(300, Duration.ofMinutes(10));
			RollupJob jobA = new RollupJob(instanceA, schema::dialect, schema.tables(), settings, Clock.systemUTC(),
					() -> MeterRollupTests.meters);
			RollupJob jobB = new RollupJob(instanceB, schema::dialect, schema.tables(), settings, Clock.systemUTC(),
					() -> MeterRollupTests.meters);
			AtomicBoolean writing = new AtomicBoolean(true);
			ExecutorService threads = Executors.newFixedThreadPool(5);
			try {
				long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
				List<Future<?>> writes = new ArrayList<>();
				for (DataSource instance : List.of(instanceA, instanceB)) {
					JdbcUsageEventStore store = store(instance, schema);
					writes.add(threads.submit(() -> {
						SplittableRandom random = new SplittableRandom();
						while (System.nanoTime() < until) {
							store.insert(batch(random, 100), Instant.now());
						}
						return null;
					}));
				}
				writes.add(threads.submit(() -> writeLate(schema, until)));
				List<Future<?>> rollups = List.of(
						threads.submit(() -> RollupConcurrencyTests.rollUntil(jobA, writing)),
						threads.submit(() -> RollupConcurrencyTests.rollUntil(jobB, writing)));
				for (Future<?> write : writes) {
					write.get(60, TimeUnit.SECONDS);
				}
				writing.set(false);
				for (Future<?> rollup : rollups) {
					rollup.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				threads.shutdownNow();
			}
			jobA.rollupNow();

			assertThat(RollupTruth.differences(schema)).isEmpty();
			MeterRollupTests.assertEveryWindowMatches(schema);
		}
	}

	private static JdbcUsageEventStore store(DataSource dataSource, TestSchema schema) {
		return new JdbcUsageEventStore(dataSource, schema::dialect, schema.tables(), true,
				(meter) -> MeterRollupTests.meters.find(meter) != null);
	}

	private static void fold(TestSchema schema, RollupSettings settings) {
		new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), settings, Clock.systemUTC(),
				() -> MeterRollupTests.meters)
			.rollupNow();
	}

	private static int runs(TestSchema schema) {
		Integer runs = schema.jdbc()
			.queryForObject("SELECT COUNT(DISTINCT first_id) FROM " + schema.tables().meterBatch(), Integer.class);
		return (runs != null) ? runs : 0;
	}

	/**
	 * Events of every defined meter (and of one without definition) concentrated on few keys, so
	 * that a batch has several rows a key: two tenants, two hours, three models, four users; values
	 * with the nine places the ledger keeps, instants shared by several events and instants with
	 * nanoseconds.
	 */
	private static List<UsageEvent> batch(SplittableRandom random, int payloads) {
		MeterEvents events = new MeterEvents(MeterRollupTests.meters);
		List<UsageEvent> batch = new ArrayList<>();
		for (int i = 0; i < payloads; i++) {
			Instant at = MeterRollupTests.MONTH.plus(HOURS[random.nextInt(HOURS.length)], ChronoUnit.HOURS)
				.plusSeconds(random.nextInt(3) * 1200L);
			if (random.nextBoolean()) {
				at = at.plusNanos(random.nextInt(1_000_000_000));
			}
			String tenant = List.of("acme", "beta").get(random.nextInt(2));
			batch.addAll(events.eventsOf(UsagePayload.builder(tenant, "use")
				.data(Map.of("model", List.of("a", "b", "c").get(random.nextInt(3)), "tokens", random.nextInt(1, 5000),
						"gb", BigDecimal.valueOf(random.nextLong(0, 100_000_000_000L), 9), "user",
						"u-" + random.nextInt(4)))
				.occurredAt(at)
				.build()));
			if (i % 10 == 0) {
				batch.add(RollupJobTests.event(tenant, "api.calls", "1", at));
			}
		}
		return batch;
	}

	/** Batches in transactions that commit late, after higher ids, or roll back. */
	private static Void writeLate(TestSchema schema, long until) throws Exception {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		MeterEvents events = new MeterEvents(MeterRollupTests.meters);
		while (System.nanoTime() < until) {
			try (Connection connection = schema.dataSource().getConnection()) {
				connection.setAutoCommit(false);
				for (UsageEvent event : events.eventsOf(MeterRollupTests.randomPayload(random))) {
					RollupJobTests.insertOn(connection, schema, event);
				}
				Thread.sleep(random.nextInt(5, 30));
				if (random.nextInt(4) > 0) {
					connection.commit();
				}
				else {
					connection.rollback();
				}
				connection.setAutoCommit(true);
			}
		}
		return null;
	}

}
