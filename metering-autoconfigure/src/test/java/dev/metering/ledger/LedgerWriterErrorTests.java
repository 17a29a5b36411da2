package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@link Error} from a batch (the store, or the driver under it, runs out of memory or
 * stack) does not end the writer's thread: the batch is retried, every event lands once, the
 * error is counted, and events recorded afterwards are written too. On every real database.
 */
class LedgerWriterErrorTests {

	static List<Arguments> cases() {
		List<Arguments> cases = new ArrayList<>();
		for (TestDatabase database : TestDatabase.values()) {
			cases.add(Arguments.of(database, "OutOfMemoryError",
					(Supplier<Error>) () -> new OutOfMemoryError("Java heap space (injected)")));
			cases.add(Arguments.of(database, "StackOverflowError",
					(Supplier<Error>) () -> new StackOverflowError("injected")));
		}
		return cases;
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("cases")
	void anErrorFromABatchIsRetriedAndTheWriterGoesOn(TestDatabase database, String name, Supplier<Error> error)
			throws Exception {
		try (TestSchema schema = database.newSchema()) {
			ThrowingOnce store = new ThrowingOnce(LedgerWriterTests.store(schema, schema.dataSource()), error);
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store, LedgerWriterTests.settings(10_000,
					Duration.ofMillis(10)), Clock.systemUTC());
			DefaultUsageRecorder recorder = LedgerWriterTests.recorder(writer);
			writer.start();
			try {
				List<UUID> ids = new ArrayList<>();
				store.arm();
				record(recorder, ids, 500);
				assertThat(writer.flush(Duration.ofSeconds(30))).as("the batch in hand when the error struck is written")
					.isTrue();
				assertThat(store.thrown.get()).isEqualTo(1);
				assertThat(writer.isRunning()).isTrue();
				// The thread still writes what comes after.
				record(recorder, ids, 500);
				assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();

				WriterStats stats = writer.stats();
				assertThat(stats.errors()).isEqualTo(1);
				assertThat(stats.dropped()).isZero();
				assertThat(stats.written()).isEqualTo(ids.size());
				assertThat(schema.eventCount()).isEqualTo(ids.size());
				assertThat(schema.jdbc()
					.queryForObject("SELECT COUNT(DISTINCT event_id) FROM " + schema.tables().usageEvent(), Long.class))
					.isEqualTo(ids.size());
			}
			finally {
				writer.stop();
			}
		}
	}

	private static void record(DefaultUsageRecorder recorder, List<UUID> ids, int count) {
		for (int i = 0; i < count; i++) {
			UsageEvent event = UsageEvent.builder("acme", "http.requests").build();
			recorder.record(event);
			ids.add(event.eventId());
		}
	}

	/** A store whose next insert, once armed, throws an {@link Error} before it writes anything. */
	static final class ThrowingOnce implements UsageEventStore {

		private final UsageEventStore delegate;

		private final Supplier<Error> error;

		private volatile boolean armed;

		final AtomicInteger thrown = new AtomicInteger();

		ThrowingOnce(UsageEventStore delegate, Supplier<Error> error) {
			this.delegate = delegate;
			this.error = error;
		}

		void arm() {
			this.armed = true;
		}

		@Override
		public InsertResult insert(List<UsageEvent> events, java.time.Instant recordedAt) {
			if (this.armed) {
				this.armed = false;
				this.thrown.incrementAndGet();
				throw this.error.get();
			}
			return this.delegate.insert(events, recordedAt);
		}

	}

}
