package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recording threads that keep recording while the writer closes: every event the writer
 * accepted (its {@code offer} returned {@code true}) is in the ledger afterwards, every event
 * it refused is not, and nothing is left in the buffer.
 */
class LedgerWriterShutdownRaceTests {

	private static final int THREADS = 4;

	private static final int ROUNDS = 6;

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void everyEventAcceptedWhileClosingIsWrittenAndEveryRefusedOneIsNot(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			Set<UUID> accepted = ConcurrentHashMap.newKeySet();
			Set<UUID> refused = ConcurrentHashMap.newKeySet();
			for (int round = 0; round < ROUNDS; round++) {
				BufferedLedgerWriter writer = new BufferedLedgerWriter(LedgerWriterTests.store(schema,
						schema.dataSource()), LedgerWriterTests.settings(50_000, Duration.ofMillis(20)),
						Clock.systemUTC());
				Thread stopper = Thread.currentThread();
				writer.addListener(new LedgerWriteListener() {

					@Override
					public void writing(List<UsageEvent> batch) {
						if (Thread.currentThread() == stopper) {
							// Widens the shutdown's last write, the window in which events used to be lost.
							LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
						}
					}

				});
				writer.start();
				hammerWhileStopping(writer, accepted, refused);
				assertThat(writer.buffered()).as("events left in the buffer after stop").isZero();
			}
			List<UUID> ledger = schema.jdbc()
				.query("SELECT event_id FROM " + schema.tables().usageEvent(),
						(rs, n) -> UUID.fromString(rs.getString(1)));
			assertThat(accepted).as("events accepted").hasSizeGreaterThan(ROUNDS * THREADS);
			assertThat(Set.copyOf(ledger)).as("ledger").hasSameSizeAs(ledger).isEqualTo(accepted);
			assertThat(refused).doesNotContainAnyElementsOf(ledger);
		}
	}

	/** Records from several threads until the writer has stopped and a few events more. */
	private static void hammerWhileStopping(BufferedLedgerWriter writer, Set<UUID> accepted, Set<UUID> refused)
			throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		CountDownLatch recording = new CountDownLatch(THREADS);
		AtomicBoolean stopped = new AtomicBoolean();
		List<Future<?>> results = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			results.add(pool.submit(() -> {
				recording.countDown();
				int afterStop = 0;
				while (afterStop < 20) {
					UsageEvent event = UsageEvent.builder("acme", "http.requests").build();
					boolean taken = writer.offer(event);
					(taken ? accepted : refused).add(event.eventId());
					// Well below what the databases take, so the buffer never fills.
					LockSupport.parkNanos(1_000_000);
					if (stopped.get()) {
						afterStop++;
					}
				}
				return null;
			}));
		}
		recording.await();
		// Let the buffer fill a little so the writer is busy when it is told to stop.
		TimeUnit.MILLISECONDS.sleep(30);
		writer.stop();
		stopped.set(true);
		for (Future<?> result : results) {
			result.get(2, TimeUnit.MINUTES);
		}
		pool.shutdown();
	}

}
