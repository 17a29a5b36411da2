package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.event.UsageEvent;
import dev.metering.internal.sql.EventColumn;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.rollup.RollupTruth.Key;
import dev.metering.rollup.RollupTruth.Totals;
import dev.metering.test.FailingDataSource;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The rollup job on every real database: sums per hour, idempotent runs, late events, ids that
 * commit out of order, gaps that never fill, a run that dies half-way, and a writer that never
 * waits for a batch in progress.
 */
class RollupJobTests {

	private static final Instant NOW = Instant.parse("2026-11-23T18:20:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void foldsEventsIntoTheirHourAndScope(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = store(schema);
			store.insert(List.of(event("acme", "api.calls", "1.5", NOW.minusSeconds(60)),
					event("acme", "api.calls", "2.000000001", NOW.minusSeconds(600)),
					event("acme", "api.calls", "4", NOW.minus(Duration.ofMinutes(30))),
					event("acme", "exports", "7", NOW), event("acme", "api.calls", "3", NOW).withBillingScope("parent"),
					event("globex", "api.calls", "10", NOW)), NOW);
			RollupJob job = job(schema, new MutableClock(NOW), RollupSettings.defaults());

			RollupResult result = job.rollupNow();

			assertThat(result.eventsFolded()).isEqualTo(6);
			Instant hour = Instant.parse("2026-11-23T18:00:00Z");
			Instant previousHour = Instant.parse("2026-11-23T17:00:00Z");
			assertThat(RollupTruth.rollups(schema)).containsOnly(
					Map.entry(new Key("acme", "api.calls", "acme", hour), totals("3.500000001", 2)),
					Map.entry(new Key("acme", "api.calls", "acme", previousHour), totals("4", 1)),
					Map.entry(new Key("acme", "exports", "acme", hour), totals("7", 1)),
					Map.entry(new Key("acme", "api.calls", "parent", hour), totals("3", 1)),
					Map.entry(new Key("globex", "api.calls", "globex", hour), totals("10", 1)));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void lateEventLandsInItsOwnPastHour(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = store(schema);
			RollupJob job = job(schema, new MutableClock(NOW), RollupSettings.defaults());
			store.insert(List.of(event("acme", "api.calls", "1", NOW)), NOW);
			job.rollupNow();
			Instant threeDaysAgo = NOW.minus(Duration.ofDays(3));

			store.insert(List.of(event("acme", "api.calls", "5", threeDaysAgo)), NOW);
			job.rollupNow();

			assertThat(RollupTruth.rollups(schema)).containsOnly(
					Map.entry(new Key("acme", "api.calls", "acme", NOW.truncatedTo(ChronoUnit.HOURS)), totals("1", 1)),
					Map.entry(new Key("acme", "api.calls", "acme", threeDaysAgo.truncatedTo(ChronoUnit.HOURS)),
							totals("5", 1)));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoRunsInARowGiveTheSameTable(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			MutableClock clock = new MutableClock(NOW);
			RollupJob job = job(schema, clock, new RollupSettings(7, Duration.ofMinutes(10)));
			store(schema).insert(events(50), NOW);
			job.rollupNow();
			Map<Key, String> first = RollupTruth.rollupsWithUpdatedAt(schema);
			Map<String, Object> progress = progress(schema);
			clock.advance(Duration.ofMinutes(1));

			RollupResult second = job.rollupNow();

			assertThat(second.eventsFolded()).isZero();
			assertThat(RollupTruth.rollupsWithUpdatedAt(schema)).isEqualTo(first);
			assertThat(progress(schema)).isEqualTo(progress);
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void foldsInBatchesUntilCaughtUp(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RollupJob job = job(schema, new MutableClock(NOW), new RollupSettings(7, Duration.ofMinutes(10)));
			store(schema).insert(events(50), NOW);

			RollupResult result = job.rollupNow();

			assertThat(result.eventsFolded()).isEqualTo(50);
			assertThat(result.batches()).isEqualTo(8);
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void lowerIdCommittedAfterAHigherOneWasFoldedIsFoldedOnce(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			RollupJob job = job(schema, new MutableClock(NOW), RollupSettings.defaults());
			store(schema).insert(List.of(event("acme", "api.calls", "1", NOW)), NOW);
			job.rollupNow();
			try (Connection slow = schema.dataSource().getConnection()) {
				// Takes the next id and does not commit yet.
				slow.setAutoCommit(false);
				insertOn(slow, schema, event("acme", "api.calls", "100", NOW));
				store(schema).insert(List.of(event("acme", "api.calls", "10", NOW)), NOW);

				RollupResult passed = job.rollupNow();

				assertThat(passed.eventsFolded()).isEqualTo(1);
				assertThat(passed.openGaps()).isEqualTo(1);
				slow.commit();
				slow.setAutoCommit(true);
			}

			RollupResult filled = job.rollupNow();
			RollupResult again = job.rollupNow();

			assertThat(filled.eventsFolded()).isEqualTo(1);
			assertThat(filled.openGaps()).isZero();
			assertThat(again.eventsFolded()).isZero();
			assertThat(RollupTruth.rollups(schema)).containsOnly(Map.entry(
					new Key("acme", "api.calls", "acme", NOW.truncatedTo(ChronoUnit.HOURS)), totals("111", 3)));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void withoutGapTrackingALowerIdCommittedLateIsLost(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			// A zero gap timeout gives every gap up at once: a plain "id > watermark" projection.
			RollupJob naive = job(schema, new MutableClock(NOW), new RollupSettings(100, Duration.ZERO));
			try (Connection slow = schema.dataSource().getConnection()) {
				slow.setAutoCommit(false);
				insertOn(slow, schema, event("acme", "api.calls", "100", NOW));
				store(schema).insert(List.of(event("acme", "api.calls", "10", NOW)), NOW);
				naive.rollupNow();
				slow.commit();
				slow.setAutoCommit(true);
			}

			naive.rollupNow();

			assertThat(RollupTruth.differences(schema)).hasSize(1);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void gapOfARolledBackInsertIsGivenUpAfterTheTimeout(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			MutableClock clock = new MutableClock(NOW);
			RollupJob job = job(schema, clock, new RollupSettings(100, Duration.ofMinutes(5)));
			try (Connection rolledBack = schema.dataSource().getConnection()) {
				rolledBack.setAutoCommit(false);
				insertOn(rolledBack, schema, event("acme", "api.calls", "100", NOW));
				rolledBack.rollback();
				rolledBack.setAutoCommit(true);
			}
			store(schema).insert(List.of(event("acme", "api.calls", "1", NOW)), NOW);

			assertThat(job.rollupNow().openGaps()).isEqualTo(1);
			clock.advance(Duration.ofMinutes(4));
			assertThat(job.rollupNow().openGaps()).isEqualTo(1);
			clock.advance(Duration.ofMinutes(1));
			RollupResult expired = job.rollupNow();

			assertThat(expired.openGaps()).isZero();
			assertThat(expired.expiredGaps()).isEqualTo(1);
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void runKilledHalfWayCountsNothingAndTheNextRunIsExact(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			// Fails as the run moves its watermark: after its rollup upserts and gap writes.
			FailingDataSource failing = new FailingDataSource(schema.dataSource(),
					(sql) -> sql.startsWith("UPDATE " + schema.tables().rollupState()));
			RollupJob job = new RollupJob(failing, schema::dialect, schema.tables(),
					new RollupSettings(20, Duration.ofMinutes(10)), new MutableClock(NOW));
			store(schema).insert(events(30), NOW);
			job.rollupNow();
			Map<Key, Totals> before = RollupTruth.rollups(schema);
			store(schema).insert(events(45), NOW);
			failing.failAfter(1, 1);

			// The first batch commits; the second dies after its upserts: 20 more events, not 40.
			assertThatExceptionOfType(RuntimeException.class).isThrownBy(job::rollupNow);
			assertThat(count(RollupTruth.rollups(schema))).isEqualTo(count(before) + 20);
			failing.failNext(1);
			assertThatExceptionOfType(RuntimeException.class).isThrownBy(job::rollupNow);
			assertThat(count(RollupTruth.rollups(schema))).isEqualTo(count(before) + 20);

			RollupResult next = job.rollupNow();

			assertThat(next.eventsFolded()).isEqualTo(25);
			assertThat(RollupTruth.differences(schema)).isEmpty();
			assertThat(job.stats().failures()).isEqualTo(2);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theWriterDoesNotWaitForAFoldBatchInProgress(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource own = database.newDataSource(2)) {
			RollupJob job = job(schema, new MutableClock(NOW), RollupSettings.defaults());
			store(schema).insert(List.of(event("acme", "api.calls", "1", NOW)), NOW);
			job.rollupNow();
			// Two rows: the batch reads an id range (InnoDB looks a single id up as a key, locking only it).
			store(schema).insert(List.of(event("acme", "api.calls", "10", NOW), event("acme", "api.calls", "20", NOW)),
					NOW);
			ExecutorService executor = Executors.newSingleThreadExecutor();
			try (Connection blocker = own.getConnection(); Connection writer = own.getConnection()) {
				// Holds the rollup row the next batch adds to: the batch stops there, its ledger reads done.
				blocker.setAutoCommit(false);
				try (Statement statement = blocker.createStatement()) {
					statement.executeUpdate("UPDATE " + schema.tables().usageRollup() + " SET event_count = event_count");
				}
				Future<RollupResult> batch = executor.submit(job::rollupNow);
				awaitLockWait(schema, batch);
				try (Statement statement = writer.createStatement()) {
					statement.execute(switch (database) {
						case H2 -> "SET LOCK_TIMEOUT 2000";
						case POSTGRESQL -> "SET lock_timeout = '2s'";
						case MARIADB -> "SET SESSION innodb_lock_wait_timeout = 2";
					});
				}

				// Fails with a lock timeout if the batch holds locks on the ledger's newest rows.
				insertOn(writer, schema, event("acme", "api.calls", "100", NOW));

				blocker.rollback();
				assertThat(batch.get(60, TimeUnit.SECONDS).eventsFolded()).isEqualTo(2);
			}
			finally {
				executor.shutdownNow();
			}
			assertThat(job.rollupNow().eventsFolded()).isEqualTo(1);
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	/** Until the batch's rollup upsert waits for a lock (the blocker's row). */
	private static void awaitLockWait(TestSchema schema, Future<?> batch) throws InterruptedException {
		String sql = switch (schema.database()) {
			case H2 -> "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL "
					+ "AND EXECUTING_STATEMENT LIKE ?";
			case POSTGRESQL -> "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?";
			// A statement of a two-row batch that has run for 200 ms is waiting.
			case MARIADB -> "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' "
					+ "AND TIME_MS > 200 AND INFO LIKE ?";
		};
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!batch.isDone() && System.nanoTime() < deadline) {
			Long waiting = schema.jdbc().queryForObject(sql, Long.class, "%INTO " + schema.tables().usageRollup() + " %");
			if (waiting != null && waiting > 0) {
				return;
			}
			Thread.sleep(20);
		}
		throw new IllegalStateException("The fold batch never waited for the rollup row (done: " + batch.isDone() + ")");
	}

	/** The progress row, written only when a run changed something. */
	private static Map<String, Object> progress(TestSchema schema) {
		return schema.jdbc()
			.queryForMap("SELECT watermark, updated_at FROM " + schema.tables().rollupState() + " WHERE name = ?",
					RollupJob.NAME);
	}

	static RollupJob job(TestSchema schema, MutableClock clock, RollupSettings settings) {
		return job(schema, schema.dataSource(), clock, settings);
	}

	static RollupJob job(TestSchema schema, DataSource dataSource, MutableClock clock, RollupSettings settings) {
		return new RollupJob(dataSource, schema::dialect, schema.tables(), settings, clock);
	}

	static JdbcUsageEventStore store(TestSchema schema) {
		return new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
	}

	/** Inserts on a connection the caller commits or rolls back. */
	static void insertOn(Connection connection, TestSchema schema, UsageEvent event) {
		String sql = "INSERT INTO " + schema.tables().usageEvent() + " (" + EventColumn.names() + ") VALUES ("
				+ String.join(", ", java.util.Collections.nCopies(EventColumn.ALL.size(), "?")) + ")";
		new JdbcTemplate(new SingleConnectionDataSource(connection, true)).update(sql, (statement) -> {
			int p = 1;
			for (EventColumn column : EventColumn.ALL) {
				column.bind(statement, p++, event, NOW, schema.dialect());
			}
		});
	}

	static UsageEvent event(String tenant, String meter, String quantity, Instant occurredAt) {
		return event(tenant, meter, quantity, occurredAt, null);
	}

	static UsageEvent event(String tenant, String meter, String quantity, Instant occurredAt, @Nullable String user) {
		return UsageEvent.builder(tenant, meter)
			.quantity(new BigDecimal(quantity))
			.occurredAt(occurredAt)
			.userId(user)
			.build();
	}

	/** Events of three tenants and two meters spread over the last five hours. */
	static List<UsageEvent> events(int count) {
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			events.add(event("tenant-" + (i % 3), "meter-" + (i % 2), "1", NOW.minus(Duration.ofMinutes(7L * i % 300)),
					(i % 4 == 0) ? null : "user-" + (i % 5)));
		}
		return events;
	}

	private static long count(Map<Key, Totals> rollups) {
		return rollups.values().stream().mapToLong(Totals::count).sum();
	}

	private static Totals totals(String quantity, long count) {
		return new Totals(new BigDecimal(quantity), count).normalized();
	}

}
