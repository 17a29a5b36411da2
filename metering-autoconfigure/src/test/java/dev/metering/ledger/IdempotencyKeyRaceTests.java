package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two copies of one idempotency key in flight at once, on two instances (writers on pools of
 * their own): both are accepted, the ledger keeps one, and neither is counted as a refused row.
 */
class IdempotencyKeyRaceTests {

	private static final int KEYS = 300;

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoInstancesWritingTheSameKeysAtOnceLeaveOneRowPerKey(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			assertOneRowPerKey(schema);
		}
	}

	@Test
	void twoInstancesWritingTheSameKeysAtOnceLeaveOneRowPerKeyOnAMonthlyPartitionedLedger() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PartitionedLedgerTests.PARTITIONED_SCHEMA)) {
			assertOneRowPerKey(schema);
		}
	}

	private static void assertOneRowPerKey(TestSchema schema) throws Exception {
		TestDatabase database = schema.database();
		try (HikariDataSource a = database.newDataSource(2); HikariDataSource b = database.newDataSource(2)) {
			BufferedLedgerWriter one = writer(schema, a);
			BufferedLedgerWriter two = writer(schema, b);
			ExecutorService clients = Executors.newFixedThreadPool(2);
			CountDownLatch start = new CountDownLatch(1);
			try {
				Future<?> first = clients.submit(() -> offer(one, start));
				Future<?> second = clients.submit(() -> offer(two, start));
				start.countDown();
				first.get();
				second.get();
				assertThat(one.flush(Duration.ofSeconds(30))).isTrue();
				assertThat(two.flush(Duration.ofSeconds(30))).isTrue();
			}
			finally {
				clients.shutdownNow();
				one.stop();
				two.stop();
			}
			assertThat(schema.eventCount()).isEqualTo(KEYS);
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(DISTINCT idempotency_key) FROM " + schema.tables().usageEvent(), Long.class))
				.isEqualTo(KEYS);
			assertThat(one.stats().written() + two.stats().written()).isEqualTo(KEYS);
			assertThat(one.stats().duplicates() + two.stats().duplicates()).isEqualTo(KEYS);
			assertThat(one.stats().rejected() + two.stats().rejected()).isZero();
		}
	}

	private static BufferedLedgerWriter writer(TestSchema schema, HikariDataSource dataSource) {
		BufferedLedgerWriter writer = new BufferedLedgerWriter(LedgerWriterTests.store(schema, dataSource),
				new WriterSettings(10_000, 10, Duration.ofMillis(1), OverflowPolicy.BLOCK, Duration.ofSeconds(5),
						Duration.ofSeconds(30), Duration.ofMillis(20), Duration.ofMillis(200)),
				Clock.systemUTC());
		writer.start();
		return writer;
	}

	private static Void offer(BufferedLedgerWriter writer, CountDownLatch start) throws InterruptedException {
		start.await();
		for (int i = 0; i < KEYS; i++) {
			writer.offer(UsageEvent.builder("acme", "exports").idempotencyKey("export-" + i).build());
			if (i % 10 == 9) {
				Thread.sleep(1);
			}
		}
		return null;
	}

}
