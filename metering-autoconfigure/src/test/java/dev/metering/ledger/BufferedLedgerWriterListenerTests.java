package dev.metering.ledger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.event.HeldUsage;
import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.dao.DataAccessResourceFailureException;

import static org.assertj.core.api.Assertions.assertThat;

class BufferedLedgerWriterListenerTests {

	@Test
	void everyEventIsAcceptedBeforeItsBatchIsWrittenAndWrittenOnce() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store, WriterSettings.defaults(), Clock.systemUTC());
			RecordingListener listener = new RecordingListener(schema);
			writer.addListener(listener);
			writer.start();
			try {
				for (int i = 0; i < 50; i++) {
					writer.offer(UsageEvent.builder("acme", "http.requests").occurredAt(Instant.now()).build());
				}
				assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
			}
			finally {
				writer.stop();
			}
			assertThat(listener.problems).isEmpty();
			assertThat(listener.accepted).hasSize(50);
			assertThat(listener.written).isEqualTo(listener.accepted);
			assertThat(schema.eventCount()).isEqualTo(50);
		}
	}

	@Test
	void aFailedInsertIsAnnouncedAndRetried() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			JdbcUsageEventStore real = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			AtomicInteger attempts = new AtomicInteger();
			UsageEventStore flaky = (events, at) -> {
				if (attempts.incrementAndGet() == 1) {
					throw new DataAccessResourceFailureException("connection lost");
				}
				return real.insert(events, at);
			};
			WriterSettings settings = new WriterSettings(100, 10, Duration.ofMillis(10), OverflowPolicy.BLOCK,
					Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMillis(50));
			BufferedLedgerWriter writer = new BufferedLedgerWriter(flaky, settings, Clock.systemUTC());
			RecordingListener listener = new RecordingListener(schema);
			writer.addListener(listener);
			writer.start();
			try {
				writer.offer(UsageEvent.builder("acme", "http.requests").occurredAt(Instant.now()).build());
				assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
			}
			finally {
				writer.stop();
			}
			assertThat(listener.problems).isEmpty();
			assertThat(listener.failures).isEqualTo(1);
			assertThat(listener.written).hasSize(1);
		}
	}

	@Test
	void aDroppedEventIsDiscarded() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			WriterSettings settings = new WriterSettings(1, 1, Duration.ofMillis(10), OverflowPolicy.DROP,
					Duration.ZERO, Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMillis(50));
			// not started: the buffer of one fills at once
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store, settings, Clock.systemUTC());
			RecordingListener listener = new RecordingListener(schema);
			writer.addListener(listener);
			writer.offer(UsageEvent.builder("acme", "http.requests").build());
			writer.offer(UsageEvent.builder("acme", "http.requests").build());
			assertThat(listener.accepted).hasSize(2);
			assertThat(listener.discarded).hasSize(1);
		}
	}

	@Test
	void theUsageHeldForAnEventTravelsWithItToTheListeners(@TempDir Path directory) {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			WriterSettings settings = new WriterSettings(2, 1, Duration.ofMillis(10), OverflowPolicy.DROP,
					Duration.ZERO, Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMillis(50));
			// not started: the buffer of two fills, then the spool keeps events on disk
			BufferedLedgerWriter writer = new BufferedLedgerWriter(store, settings, Clock.systemUTC());
			HeldUsage held = (event) -> true;
			List<String> seen = Collections.synchronizedList(new ArrayList<>());
			writer.addListener(new LedgerWriteListener() {

				@Override
				public void accepted(UsageEvent event, HeldUsage usage) {
					seen.add("accepted " + event.meter() + ((usage == held) ? " held" : " none"));
				}

				@Override
				public void spooled(UsageEvent event, HeldUsage usage) {
					seen.add("spooled " + event.meter() + ((usage == held) ? " held" : " none"));
				}

			});
			writer.offer(UsageEvent.builder("acme", "a").build(), held);
			writer.offer(UsageEvent.builder("acme", "b").build());
			EventSpool spool = new EventSpool(writer,
					new SpoolSettings(directory, 64 * 1024, 1024L * 1024, null, Duration.ofMillis(100)));
			spool.start();
			try {
				writer.offer(UsageEvent.builder("acme", "c").build(), held);
				writer.offer(UsageEvent.builder("acme", "d").build(), held);
			}
			finally {
				spool.stop();
			}
			assertThat(seen).containsExactly("accepted a held", "accepted b none", "accepted c held", "spooled d held");
		}
	}

	/** Checks the documented order of callbacks, and that written batches are in the ledger. */
	private static final class RecordingListener implements LedgerWriteListener {

		final Set<UUID> accepted = new HashSet<>();

		final Set<UUID> written = new HashSet<>();

		final Set<UUID> discarded = new HashSet<>();

		final List<String> problems = new ArrayList<>();

		final TestSchema schema;

		int inFlight;

		int failures;

		RecordingListener(TestSchema schema) {
			this.schema = schema;
		}

		@Override
		public synchronized void accepted(UsageEvent event) {
			this.accepted.add(event.eventId());
		}

		@Override
		public synchronized void discarded(UsageEvent event) {
			this.discarded.add(event.eventId());
		}

		@Override
		public synchronized void writing(List<UsageEvent> batch) {
			this.inFlight++;
			batch.stream()
				.filter((e) -> !this.accepted.contains(e.eventId()))
				.forEach((e) -> this.problems.add("written before accepted: " + e.eventId()));
		}

		@Override
		public synchronized void written(List<UsageEvent> batch) {
			this.inFlight--;
			for (UsageEvent event : batch) {
				if (!this.written.add(event.eventId())) {
					this.problems.add("written twice: " + event.eventId());
				}
			}
			Long rows = this.schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + this.schema.tables().usageEvent() + " WHERE event_id = ?",
						Long.class, batch.get(0).eventId());
			if (rows == null || rows != 1) {
				this.problems.add("written but not committed: " + batch.get(0).eventId());
			}
		}

		@Override
		public synchronized void failed(List<UsageEvent> batch) {
			this.inFlight--;
			this.failures++;
		}

	}

}
