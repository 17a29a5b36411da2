package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The buffered writer end to end on every real database: many recording threads, repeats,
 * outages and lost commit acknowledgements; afterwards the ledger holds exactly the distinct
 * events.
 */
class LedgerWriterTests {

	private static final Duration FLUSH_TIMEOUT = Duration.ofMinutes(3);

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void eightThreadsWithRepeatsAndSharedIdempotencyKeysLeaveExactlyTheDistinctEvents(TestDatabase database)
			throws Exception {
		int threads = 8;
		int perThread = 25_000;
		try (TestSchema schema = database.newSchema()) {
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store(schema, schema.dataSource()),
					settings(200_000, Duration.ofMillis(50)), Clock.systemUTC());
			DefaultUsageRecorder recorder = recorder(writer);
			writer.start();
			Instant now = Instant.now();
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Expected>> results = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int thread = t;
				results.add(pool.submit(() -> {
					start.await();
					return recordWithRepeats(recorder, thread, perThread, now);
				}));
			}
			start.countDown();
			long distinctIds = 0;
			long distinctKeyed = 0;
			java.util.Set<String> keys = new java.util.HashSet<>();
			for (Future<Expected> result : results) {
				Expected expected = result.get(5, TimeUnit.MINUTES);
				distinctIds += expected.unkeyedDistinct();
				keys.addAll(expected.keys());
			}
			distinctKeyed = keys.size();
			pool.shutdown();

			assertThat(writer.flush(FLUSH_TIMEOUT)).isTrue();
			writer.stop();

			long expected = distinctIds + distinctKeyed;
			assertThat(schema.eventCount()).isEqualTo(expected);
			WriterStats stats = writer.stats();
			assertThat(stats.recorded()).isEqualTo((long) threads * perThread);
			assertThat(stats.written()).isEqualTo(expected);
			assertThat(stats.duplicates()).isEqualTo((long) threads * perThread - expected);
			assertThat(stats.dropped()).isZero();
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(DISTINCT event_id) FROM " + schema.tables().usageEvent(), Long.class))
				.isEqualTo(expected);
		}
	}

	/**
	 * Records {@code count} events: a tenth repeat an earlier event id of this thread, and one in
	 * twenty carries an idempotency key drawn from a small pool shared by all threads.
	 */
	private static Expected recordWithRepeats(DefaultUsageRecorder recorder, int thread, int count, Instant now) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		List<UsageEvent> sent = new ArrayList<>();
		long unkeyedDistinct = 0;
		java.util.Set<String> keys = new java.util.HashSet<>();
		for (int i = 0; i < count; i++) {
			UsageEvent event;
			if (!sent.isEmpty() && random.nextInt(10) == 0) {
				event = sent.get(random.nextInt(sent.size()));
			}
			else {
				String key = (random.nextInt(20) == 0) ? "key-" + random.nextInt(500) : null;
				event = UsageEvent.builder("tenant-" + (i % 7), "http.requests")
					.occurredAt(now)
					.resource("GET /api/projects/{id}")
					.idempotencyKey(key)
					.build();
				sent.add(event);
				if (key == null) {
					unkeyedDistinct++;
				}
				else {
					keys.add(event.tenantId() + "/" + key);
				}
			}
			recorder.record(event);
		}
		return new Expected(unkeyedDistinct, keys);
	}

	private record Expected(long unkeyedDistinct, java.util.Set<String> keys) {
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anOutageOfSeveralSecondsLosesNothingAndCountsNothingTwice(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			FaultyDataSource dataSource = new FaultyDataSource(schema.dataSource());
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store(schema, dataSource),
					settings(100_000, Duration.ofMillis(20)), Clock.systemUTC());
			DefaultUsageRecorder recorder = recorder(writer);
			writer.start();
			List<UUID> ids = new ArrayList<>();
			recordSteadily(recorder, ids, 1_000, Duration.ofMillis(500));
			dataSource.mode(FaultyDataSource.Mode.FAIL);
			recordSteadily(recorder, ids, 3_000, Duration.ofSeconds(3));
			dataSource.mode(FaultyDataSource.Mode.FAIL_AFTER_COMMIT);
			recordSteadily(recorder, ids, 2_000, Duration.ofSeconds(1));
			dataSource.mode(FaultyDataSource.Mode.NORMAL);
			recordSteadily(recorder, ids, 1_000, Duration.ofMillis(500));

			assertThat(writer.flush(FLUSH_TIMEOUT)).isTrue();
			writer.stop();

			assertThat(dataSource.refusedCalls()).isPositive();
			assertThat(writer.stats().retries()).isPositive();
			assertThat(writer.stats().dropped()).isZero();
			assertThat(schema.eventCount()).isEqualTo(ids.size());
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(DISTINCT event_id) FROM " + schema.tables().usageEvent(), Long.class))
				.isEqualTo(ids.size());
		}
	}

	private static void recordSteadily(DefaultUsageRecorder recorder, List<UUID> ids, int count, Duration over)
			throws InterruptedException {
		long pauseNanos = over.toNanos() / count;
		for (int i = 0; i < count; i++) {
			UsageEvent event = UsageEvent.builder("acme", "http.requests").build();
			recorder.record(event);
			ids.add(event.eventId());
			if (i % 50 == 0) {
				TimeUnit.NANOSECONDS.sleep(pauseNanos * 50);
			}
		}
	}

	static JdbcUsageEventStore store(TestSchema schema, javax.sql.DataSource dataSource) {
		return new JdbcUsageEventStore(dataSource, schema::dialect, schema.tables());
	}

	static WriterSettings settings(int capacity, Duration flushInterval) {
		return new WriterSettings(capacity, 1_000, flushInterval, OverflowPolicy.BLOCK, Duration.ofSeconds(5),
				Duration.ofSeconds(30), Duration.ofMillis(20), Duration.ofMillis(400));
	}

	static DefaultUsageRecorder recorder(BufferedLedgerWriter writer) {
		return new DefaultUsageRecorder(
				new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35), new java.math.BigDecimal("1e12")),
				writer);
	}

}
