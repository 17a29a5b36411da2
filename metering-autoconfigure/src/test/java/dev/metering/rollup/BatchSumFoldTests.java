package dev.metering.rollup;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.MeteringTables;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Batch sums on PostgreSQL: a COPYed batch writes its sums by rollup key with the id run its rows
 * took, the rollup folds a run from its sums instead of its rows, and the rollups stay exact
 * whatever mixes with them: batches without sums, rows written by other means, batches that
 * commit late or roll back, and fold batches that end inside a run.
 */
class BatchSumFoldTests {

	private static final Instant NOW = Instant.parse("2026-12-04T10:20:00Z");

	@Test
	void aBatchWritesItsSumsWithTheIdRunOfItsRows() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			List<UsageEvent> events = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				events.add(RollupJobTests.event((i % 2 == 0) ? "acme" : "globex", "api.calls", "1.0000000005",
						NOW.minusSeconds(i)));
			}

			RollupJobTests.store(schema).insert(events, NOW);

			Map<String, Object> ids = schema.jdbc()
				.queryForMap("SELECT MIN(id) AS first, MAX(id) AS last FROM " + schema.tables().usageEvent());
			List<Map<String, Object>> sums = schema.jdbc()
				.queryForList("SELECT first_id, last_id, tenant_id, period_start, user_id, quantity, event_count FROM "
						+ schema.tables().usageEventSum() + " ORDER BY tenant_id");
			assertThat(sums).hasSize(2);
			for (Map<String, Object> sum : sums) {
				// The run starts at the id the batch took before its COPY and left unused.
				assertThat(sum.get("first_id")).isEqualTo((Long) ids.get("first") - 1);
				assertThat(sum.get("last_id")).isEqualTo(ids.get("last"));
				assertThat(sum.get("event_count")).isEqualTo(100L);
				assertThat(sum.get("user_id")).isNull();
				// Each row stores 1.000000001 (nine places, rounded half up), so the sum is of those.
				assertThat((BigDecimal) sum.get("quantity")).isEqualByComparingTo("100.0000001");
				assertThat(sum.get("period_start").toString()).startsWith("2026-12-04");
			}
			assertThat(sums).extracting((sum) -> sum.get("tenant_id")).containsExactly("acme", "globex");
		}
	}

	@Test
	void sumsTakeTheHourAndTheQuantityTheLedgerStores() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			// timestamptz rounds this to 11:00:00.000000, so the row belongs to the hour of 11:00.
			Instant roundsUp = Instant.parse("2026-12-04T10:59:59.9999996Z");
			List<UsageEvent> events = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				events.add(RollupJobTests.event("acme", "api.calls", "0.1234567895", roundsUp));
			}
			RollupJobTests.store(schema).insert(events, NOW);

			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEventSum()
						+ " WHERE period_start = TIMESTAMPTZ '2026-12-04 11:00:00+00' AND quantity = 2.4691358", Long.class))
				.isEqualTo(1);
			RollupJobTests.job(schema, new MutableClock(NOW), RollupSettings.defaults()).rollupNow();
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	@Test
	void theFoldAddsABatchsSumsWithoutReadingItsRows() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			RollupJobTests.store(schema).insert(sameKey(120, "acme"), NOW);
			// Only the sums can carry this into the rollup.
			schema.jdbc().update("UPDATE " + schema.tables().usageEventSum() + " SET quantity = quantity + 1000");
			RollupJob job = RollupJobTests.job(schema, new MutableClock(NOW), RollupSettings.defaults());

			RollupResult result = job.rollupNow();

			assertThat(result.eventsFolded()).isEqualTo(120);
			assertThat(schema.jdbc()
				.queryForObject("SELECT quantity FROM " + schema.tables().usageRollup() + " WHERE tenant_id = 'acme'",
						BigDecimal.class)).isEqualByComparingTo("1120");
			assertThat(sumRows(schema)).isZero();
		}
	}

	@Test
	void aBatchOfManyKeysWritesNoSums() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			List<UsageEvent> events = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				events.add(RollupJobTests.event("tenant-" + (i % 20), "api.calls", "2", NOW));
			}

			RollupJobTests.store(schema).insert(events, NOW);
			RollupJobTests.job(schema, new MutableClock(NOW), RollupSettings.defaults()).rollupNow();

			assertThat(sumRows(schema)).isZero();
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	@Test
	void aBatchWhoseIdsInterleaveWithAnotherWritersWritesNoSums() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			// Between the id the batch takes first and its COPY (which starts by unwrapping the
			// connection to pgjdbc's), another session takes the next id.
			DataSource interleaving = new DelegatingDataSource(schema.dataSource()) {
				@Override
				public Connection getConnection() throws SQLException {
					return intercepted(super.getConnection(), (method) -> {
						if (method.equals("unwrap")) {
							try (Connection other = schema.dataSource().getConnection()) {
								RollupJobTests.insertOn(other, schema, sameKey(1, "other").get(0));
							}
						}
					});
				}
			};

			new JdbcUsageEventStore(interleaving, schema::dialect, schema.tables()).insert(sameKey(100, "acme"), NOW);

			assertThat(schema.eventCount()).isEqualTo(101);
			assertThat(sumRows(schema)).isZero();
			RollupResult result = RollupJobTests.job(schema, new MutableClock(NOW), RollupSettings.defaults())
				.rollupNow();
			assertThat(result.eventsFolded()).isEqualTo(101);
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	@Test
	void aRoleWithoutPrivilegesOnTheSumsWritesAndFoldsWithoutThem() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			String role = schema.prefix() + "app";
			MeteringTables tables = schema.tables();
			String url;
			try (Connection connection = schema.dataSource().getConnection()) {
				url = connection.getMetaData().getURL();
			}
			// What an application role is often given: its tables, not the sequence or the sum table.
			schema.jdbc().execute("CREATE ROLE " + role + " LOGIN");
			try {
				schema.jdbc().execute("GRANT SELECT, INSERT ON " + tables.usageEvent() + " TO " + role);
				schema.jdbc().execute("GRANT SELECT, INSERT, UPDATE ON " + tables.usageRollup() + ", "
						+ tables.usageUserRollup() + ", " + tables.usageUserDay() + ", " + tables.rollupState() + " TO " + role);
				schema.jdbc().execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + tables.rollupGap() + " TO " + role);
				PGSimpleDataSource restricted = new PGSimpleDataSource();
				restricted.setUrl(url);
				restricted.setUser(role);

				InsertResult written = new JdbcUsageEventStore(restricted, schema::dialect, tables)
					.insert(sameKey(100, "acme"), NOW);
				RollupResult folded = RollupJobTests.job(schema, restricted, new MutableClock(NOW),
						RollupSettings.defaults()).rollupNow();

				assertThat(written.inserted()).isEqualTo(100);
				assertThat(sumRows(schema)).isZero();
				assertThat(folded.eventsFolded()).isEqualTo(100);
				assertThat(RollupTruth.differences(schema)).isEmpty();
			}
			finally {
				schema.jdbc().execute("DROP OWNED BY " + role);
				schema.jdbc().execute("DROP ROLE " + role);
			}
		}
	}

	@Test
	void aBatchWhoseSumsFailIsWrittenWithoutThemAndSoAreTheNext() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = RollupJobTests.store(schema);
			store.insert(sameKey(100, "acme"), NOW);
			assertThat(sumRows(schema)).isEqualTo(1);
			// Gone after the store found it: its next insert of sums fails.
			schema.jdbc().execute("DROP TABLE " + schema.tables().usageEventSum());

			InsertResult second = store.insert(sameKey(100, "acme"), NOW);
			InsertResult third = store.insert(sameKey(100, "acme"), NOW);

			assertThat(second.inserted()).isEqualTo(100);
			assertThat(third.inserted()).isEqualTo(100);
			assertThat(schema.eventCount()).isEqualTo(300);
		}
	}

	@Test
	void aRollupWhoseSumTableWentFailsOneRunAndThenFoldsTheRows() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			RollupJob job = RollupJobTests.job(schema, new MutableClock(NOW), RollupSettings.defaults());
			job.rollupNow();
			RollupJobTests.store(schema).insert(sameKey(100, "acme"), NOW);
			schema.jdbc().execute("DROP TABLE " + schema.tables().usageEventSum());

			assertThatExceptionOfType(RuntimeException.class).isThrownBy(job::rollupNow);
			RollupResult result = job.rollupNow();

			assertThat(result.eventsFolded()).isEqualTo(100);
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	@Test
	void aStoreToldNotToWritesNoSums() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables(), false)
				.insert(sameKey(100, "acme"), NOW);

			assertThat(sumRows(schema)).isZero();
			assertThat(schema.eventCount()).isEqualTo(100);
		}
	}

	@Test
	void aRetriedBatchWritesNoSumsAndItsNewRowsAreFoldedFromTheLedger() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = RollupJobTests.store(schema);
			List<UsageEvent> first = sameKey(100, "acme");
			store.insert(first, NOW);
			List<UsageEvent> retried = new ArrayList<>(first.subList(0, 50));
			retried.addAll(sameKey(100, "acme"));

			InsertResult result = store.insert(retried, NOW);

			assertThat(result.inserted()).isEqualTo(100);
			// Only the first batch's: the retried one took the slow path, whose ids no one can count.
			assertThat(schema.jdbc()
				.queryForObject("SELECT SUM(event_count) FROM " + schema.tables().usageEventSum(), Long.class))
				.isEqualTo(100);
			RollupResult folded = RollupJobTests.job(schema, new MutableClock(NOW), RollupSettings.defaults())
				.rollupNow();
			assertThat(folded.eventsFolded()).isEqualTo(200);
			assertThat(RollupTruth.differences(schema)).isEmpty();
		}
	}

	/**
	 * The property: whatever the order of batches with and without sums, rows inserted by other
	 * means, batches that commit after later ones or roll back, and folds of a random batch size
	 * by two jobs on their own pools, the rollups end equal to the ledger and no sums are left.
	 */
	@Test
	void rollupsStayExactWhateverMixesWithBatchSums() throws Exception {
		for (long seed = 1; seed <= 12; seed++) {
			Random random = new Random(seed);
			try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema();
					HikariDataSource other = TestDatabase.POSTGRESQL.newDataSource(2)) {
				MutableClock clock = new MutableClock(NOW);
				RollupSettings settings = new RollupSettings(1 + random.nextInt(400), Duration.ofMinutes(10));
				RollupJob[] jobs = { RollupJobTests.job(schema, clock, settings),
						RollupJobTests.job(schema, other, clock, settings) };
				JdbcUsageEventStore store = RollupJobTests.store(schema);
				JdbcUsageEventStore noSums = new JdbcUsageEventStore(schema.dataSource(), schema::dialect,
						schema.tables(), false);
				List<HeldBatch> held = new ArrayList<>();
				long sumsSeen = 0;
				for (int step = 0; step < 40; step++) {
					int choice = random.nextInt(10);
					if (choice < 4) {
						store.insert(batch(random), NOW);
						sumsSeen = Math.max(sumsSeen, sumRows(schema));
					}
					else if (choice == 4) {
						noSums.insert(batch(random), NOW);
					}
					else if (choice == 5) {
						try (Connection connection = schema.dataSource().getConnection()) {
							RollupJobTests.insertOn(connection, schema, batch(random).get(0));
						}
					}
					else if (choice == 6 && held.size() < 3) {
						held.add(new HeldBatch(schema, batch(random), random.nextInt(4) != 0));
					}
					else if (choice == 7 && !held.isEmpty()) {
						held.remove(random.nextInt(held.size())).release();
					}
					else {
						jobs[random.nextInt(2)].rollupNow();
					}
				}
				for (HeldBatch batch : held) {
					batch.release();
				}
				jobs[0].rollupNow();
				// Ids of batches rolled back: their gaps give up after the timeout.
				clock.advance(Duration.ofMinutes(11));
				jobs[1].rollupNow();
				store.insert(sameKey(10, "last"), NOW);
				jobs[0].rollupNow();

				assertThat(sumsSeen).as("seed %d wrote batch sums", seed).isPositive();
				assertThat(RollupTruth.differences(schema)).as("seed %d", seed).isEmpty();
				assertThat(sumRows(schema)).as("seed %d", seed).isZero();
			}
		}
	}

	/**
	 * Few keys, as the request meter's (one meter, one or two tenants, one hour, a user on some:
	 * sums when the batch is large enough), or many (two meters, 50 tenants, two hours: no sums).
	 */
	private static List<UsageEvent> batch(Random random) {
		int size = 1 + random.nextInt(300);
		boolean fewKeys = random.nextBoolean();
		int tenants = fewKeys ? 1 + random.nextInt(2) : 50;
		int meters = fewKeys ? 1 : 2;
		int spread = fewKeys ? 1200 : 7200;
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < size; i++) {
			events.add(RollupJobTests.event("tenant-" + random.nextInt(tenants), "meter-" + random.nextInt(meters),
					Integer.toString(1 + random.nextInt(5)) + ".5", NOW.minusSeconds(random.nextInt(spread)),
					random.nextInt(3) == 0 ? "user-" + random.nextInt(2) : null));
		}
		return events;
	}

	private static List<UsageEvent> sameKey(int count, String tenant) {
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			events.add(RollupJobTests.event(tenant, "api.calls", "1", NOW));
		}
		return events;
	}

	private static long sumRows(TestSchema schema) {
		Long rows = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEventSum(), Long.class);
		return (rows != null) ? rows : 0;
	}

	/**
	 * A batch written by the kit's store on a thread of its own, whose commit waits until
	 * released and then commits or rolls back: a writer's transaction still in flight while
	 * later batches commit and the rollup runs.
	 */
	private static final class HeldBatch {

		private final CountDownLatch release = new CountDownLatch(1);

		private final CountDownLatch committing = new CountDownLatch(1);

		private final CompletableFuture<Void> done;

		HeldBatch(TestSchema schema, List<UsageEvent> events, boolean commit) throws InterruptedException {
			DataSource held = new HeldCommitDataSource(schema.dataSource(), this.committing, this.release, commit);
			JdbcUsageEventStore store = new JdbcUsageEventStore(held, schema::dialect, schema.tables());
			this.done = CompletableFuture.runAsync(() -> {
				try {
					store.insert(events, NOW);
				}
				catch (RuntimeException ex) {
					if (commit) {
						throw ex;
					}
				}
			});
			assertThat(this.committing.await(10, TimeUnit.SECONDS)).isTrue();
		}

		void release() throws Exception {
			this.release.countDown();
			this.done.get(10, TimeUnit.SECONDS);
		}

	}

	/** Connections whose commit waits for a latch, then commits or rolls back. */
	private static final class HeldCommitDataSource extends DelegatingDataSource {

		private final CountDownLatch committing;

		private final CountDownLatch release;

		private final boolean commit;

		HeldCommitDataSource(DataSource target, CountDownLatch committing, CountDownLatch release, boolean commit) {
			super(target);
			this.committing = committing;
			this.release = release;
			this.commit = commit;
		}

		@Override
		public Connection getConnection() throws SQLException {
			Connection connection = super.getConnection();
			return intercepted(connection, (method) -> {
				if (method.equals("commit")) {
					this.committing.countDown();
					this.release.await(30, TimeUnit.SECONDS);
					if (!this.commit) {
						connection.rollback();
						throw new SQLException("rolled back by the test");
					}
				}
			});
		}

	}

	/** A connection that runs a hook before each call, by the method's name; the hook may throw instead. */
	private static Connection intercepted(Connection connection, BeforeCall hook) {
		return (Connection) Proxy.newProxyInstance(BatchSumFoldTests.class.getClassLoader(),
				new Class<?>[] { Connection.class }, (proxy, method, args) -> {
					hook.before(method.getName());
					try {
						return method.invoke(connection, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	@FunctionalInterface
	private interface BeforeCall {

		void before(String method) throws Exception;

	}

}
