package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property the rollups exist for, tested as a property: writers append concurrently, some of
 * them holding an id in an open transaction while others commit higher ids (and some rolling
 * back), while two rollup jobs with DataSources of their own (two instances) fold over and over.
 * After the writers stop and one more run, the rollups equal the ledger's SUM and COUNT for every
 * (tenant, meter, billing scope, hour), and the jobs together folded each row exactly once.
 * <p>
 * With {@code gap-timeout = 0} (which makes the job a plain "id > watermark" projection) this test
 * fails on every database: slow transactions commit below the watermark and are lost.
 */
class RollupConcurrencyTests {

	private static final int WRITERS = 4;

	private static final Duration WRITE_FOR = Duration.ofSeconds(4);

	private static final Instant BASE = Instant.now();

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void rollupsEqualTheLedgerAfterConcurrentWritersAndTwoInstances(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource instanceA = database.newDataSource(2);
				HikariDataSource instanceB = database.newDataSource(2)) {
			RollupSettings settings = new RollupSettings(50, Duration.ofMinutes(10));
			RollupJob jobA = new RollupJob(instanceA, schema::dialect, schema.tables(), settings, Clock.systemUTC());
			RollupJob jobB = new RollupJob(instanceB, schema::dialect, schema.tables(), settings, Clock.systemUTC());
			JdbcUsageEventStore store = RollupJobTests.store(schema);
			AtomicBoolean writing = new AtomicBoolean(true);
			AtomicLong lateCommits = new AtomicLong();
			ExecutorService threads = Executors.newFixedThreadPool(WRITERS + 2);
			try {
				List<Future<?>> writers = new ArrayList<>();
				long until = System.nanoTime() + WRITE_FOR.toNanos();
				for (int w = 0; w < WRITERS; w++) {
					writers.add(threads.submit(() -> {
						write(schema, store, until, lateCommits);
						return null;
					}));
				}
				List<Future<?>> rollups = List.of(threads.submit(() -> rollUntil(jobA, writing)),
						threads.submit(() -> rollUntil(jobB, writing)));
				for (Future<?> writer : writers) {
					writer.get(60, TimeUnit.SECONDS);
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

			assertThat(lateCommits).as("transactions that committed an id after a higher one").hasPositiveValue();
			assertThat(RollupTruth.differences(schema)).isEmpty();
			assertThat(jobA.stats().eventsFolded() + jobB.stats().eventsFolded()).as("rows folded by both instances")
				.isEqualTo(schema.eventCount());
			assertThat(jobA.stats().runs()).isGreaterThan(1);
			assertThat(jobB.stats().runs()).isPositive();
		}
	}

	static Void rollUntil(RollupJob job, AtomicBoolean writing) throws InterruptedException {
		while (writing.get()) {
			job.rollupNow();
			Thread.sleep(ThreadLocalRandom.current().nextInt(3));
		}
		return null;
	}

	/**
	 * Appends until the deadline: mostly committed batches, some transactions that take ids and
	 * sleep before committing (so higher ids commit and get folded first), some that roll back.
	 */
	private static void write(TestSchema schema, JdbcUsageEventStore store, long until, AtomicLong lateCommits)
			throws Exception {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		while (System.nanoTime() < until) {
			int kind = random.nextInt(10);
			List<UsageEvent> events = new ArrayList<>();
			for (int i = random.nextInt(1, 4); i > 0; i--) {
				events.add(randomEvent(random));
			}
			if (kind < 6) {
				store.insert(events, Instant.now());
				continue;
			}
			try (Connection connection = schema.dataSource().getConnection()) {
				connection.setAutoCommit(false);
				for (UsageEvent event : events) {
					RollupJobTests.insertOn(connection, schema, event);
				}
				long before = maxId(schema);
				Thread.sleep(random.nextInt(5, 40));
				if (kind < 9) {
					connection.commit();
					if (maxId(schema) > before) {
						lateCommits.incrementAndGet();
					}
				}
				else {
					connection.rollback();
				}
				connection.setAutoCommit(true);
			}
		}
	}

	private static long maxId(TestSchema schema) {
		Long max = schema.jdbc().queryForObject("SELECT MAX(id) FROM " + schema.tables().usageEvent(), Long.class);
		return (max != null) ? max : 0;
	}

	private static UsageEvent randomEvent(ThreadLocalRandom random) {
		String tenant = "tenant-" + random.nextInt(4);
		UsageEvent event = UsageEvent.builder(tenant, "meter-" + random.nextInt(3))
			.quantity(BigDecimal.valueOf(random.nextLong(1, 1_000_000_000_000L), 9))
			.occurredAt(BASE.minusSeconds(random.nextLong(6 * 3600)))
			.userId(random.nextInt(5) == 0 ? null : "user-" + random.nextInt(6))
			.build();
		return random.nextBoolean() ? event : event.withBillingScope("parent-" + random.nextInt(2));
	}

}
