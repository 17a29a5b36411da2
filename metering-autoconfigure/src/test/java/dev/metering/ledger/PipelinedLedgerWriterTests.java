package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer on a {@link PipelinedEventStore} (the Kafka sink's shape): several batches on their
 * way at once, never more than the store allows, each counted as written only once its wait
 * returned, and a batch whose wait failed written again, once. The store here writes the real
 * ledger on a thread of its own, as the ledger consumers do.
 */
class PipelinedLedgerWriterTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void batchesOverlapUpToTheLimitAndEveryEventIsWrittenOnceAndAnnouncedOnlyAfterItsWait(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema()) {
			DeferredStore store = new DeferredStore(new JdbcUsageEventStore(schema.dataSource(), schema.tables()), 3, 0);
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store, settings(), Clock.systemUTC());
			Set<UUID> announced = ConcurrentHashMap.newKeySet();
			List<String> early = Collections.synchronizedList(new ArrayList<>());
			writer.addListener(new LedgerWriteListener() {
				@Override
				public void written(List<UsageEvent> batch) {
					for (UsageEvent event : batch) {
						if (!store.confirmed.contains(event.eventId())) {
							early.add(event.eventId().toString());
						}
						announced.add(event.eventId());
					}
				}
			});
			writer.start();
			List<UsageEvent> events = record(writer, 60_000);
			assertThat(writer.flush(Duration.ofMinutes(2))).isTrue();
			writer.stop();
			store.close();

			assertThat(schema.eventCount()).isEqualTo(events.size());
			assertThat(announced).hasSize(events.size());
			assertThat(early).as("announced as written before its wait returned").isEmpty();
			assertThat(store.mostInFlight.get()).as("batches on their way at once").isBetween(2, 3);
			assertThat(writer.stats().written()).isEqualTo(events.size());
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aBatchWhoseWaitFailedIsWrittenAgainAndCountedOnce(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			// Every third wait fails after its rows were written: the retry finds them in the ledger.
			DeferredStore store = new DeferredStore(new JdbcUsageEventStore(schema.dataSource(), schema.tables()), 4, 3);
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store, settings(), Clock.systemUTC());
			writer.start();
			List<UsageEvent> events = record(writer, 40_000);
			assertThat(writer.flush(Duration.ofMinutes(2))).isTrue();
			writer.stop();
			store.close();

			assertThat(store.failedWaits.get()).isPositive();
			assertThat(schema.eventCount()).isEqualTo(events.size());
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(DISTINCT event_id) FROM " + schema.tables().usageEvent(), Long.class))
				.isEqualTo(events.size());
			assertThat(writer.stats().written() + writer.stats().duplicates()).isGreaterThanOrEqualTo(events.size());
			assertThat(writer.buffered()).isZero();
		}
	}

	private static WriterSettings settings() {
		return new WriterSettings(20_000, 2_000, Duration.ofMillis(20), OverflowPolicy.BLOCK, Duration.ofMinutes(1),
				Duration.ofMinutes(1), Duration.ofMillis(10), Duration.ofMillis(100));
	}

	/** Two recording threads, as fast as the writer takes them. */
	private static List<UsageEvent> record(BufferedLedgerWriter writer, int count) throws InterruptedException {
		List<UsageEvent> events = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			events.add(UsageEvent.builder("tenant-" + (i % 50), "api.calls").build());
		}
		ExecutorService recorders = Executors.newFixedThreadPool(2);
		AtomicInteger refused = new AtomicInteger();
		for (int r = 0; r < 2; r++) {
			int first = r;
			recorders.execute(() -> {
				for (int i = first; i < events.size(); i += 2) {
					if (!writer.offer(events.get(i))) {
						refused.incrementAndGet();
					}
				}
			});
		}
		recorders.shutdown();
		assertThat(recorders.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
		assertThat(refused).hasValue(0);
		return events;
	}

	/**
	 * Starts a batch by writing it to the ledger on another thread, slowly, like a consumer
	 * behind a broker; its wait returns when that write committed. Every {@code failEvery}-th wait
	 * (0: none) fails after the write, as a wait for a broker that stopped answering does.
	 */
	private static final class DeferredStore implements PipelinedEventStore, AutoCloseable {

		private final UsageEventStore ledger;

		private final int maxInFlight;

		private final int failEvery;

		private final ExecutorService consumer = Executors.newSingleThreadExecutor();

		private final AtomicInteger inFlight = new AtomicInteger();

		private final AtomicInteger mostInFlight = new AtomicInteger();

		private final AtomicInteger waits = new AtomicInteger();

		private final AtomicInteger failedWaits = new AtomicInteger();

		private final Set<UUID> confirmed = ConcurrentHashMap.newKeySet();

		DeferredStore(UsageEventStore ledger, int maxInFlight, int failEvery) {
			this.ledger = ledger;
			this.maxInFlight = maxInFlight;
			this.failEvery = failEvery;
		}

		@Override
		public Pending start(List<UsageEvent> events, Instant recordedAt) {
			int now = this.inFlight.incrementAndGet();
			this.mostInFlight.accumulateAndGet(now, Math::max);
			CompletableFuture<InsertResult> written = CompletableFuture.supplyAsync(() -> {
				sleep(15);
				return this.ledger.insert(events, recordedAt);
			}, this.consumer);
			return () -> {
				try {
					InsertResult result = written.join();
					if (this.failEvery > 0 && this.waits.incrementAndGet() % this.failEvery == 0) {
						this.failedWaits.incrementAndGet();
						throw new IllegalStateException("no answer about the batch");
					}
					events.forEach((event) -> this.confirmed.add(event.eventId()));
					return result;
				}
				finally {
					this.inFlight.decrementAndGet();
				}
			};
		}

		@Override
		public InsertResult insert(List<UsageEvent> events, Instant recordedAt) {
			// The writer's plain retry of a failed wait: straight to the ledger.
			InsertResult result = this.ledger.insert(events, recordedAt);
			events.forEach((event) -> this.confirmed.add(event.eventId()));
			return result;
		}

		@Override
		public int maxInFlight() {
			return this.maxInFlight;
		}

		@Override
		public void close() {
			this.consumer.shutdownNow();
		}

		private static void sleep(long millis) {
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
