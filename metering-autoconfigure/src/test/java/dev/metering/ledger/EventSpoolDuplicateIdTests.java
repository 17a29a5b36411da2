package dev.metering.ledger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.metering.event.UsageEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.dao.TransientDataAccessResourceException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An event id recorded twice (a caller's own id, retried) is carried by the spool once per copy:
 * once everything is written, every segment but the one being appended to is deleted.
 */
class EventSpoolDuplicateIdTests {

	@TempDir
	Path directory;

	@Test
	void aCallerSuppliedIdRecordedTwiceLeavesNoSegmentBehind() throws Exception {
		Set<UUID> ledger = ConcurrentHashMap.newKeySet();
		AtomicBoolean down = new AtomicBoolean(true);
		UsageEventStore store = (events, recordedAt) -> {
			if (down.get()) {
				throw new TransientDataAccessResourceException("Injected outage: database unreachable");
			}
			int inserted = 0;
			for (UsageEvent event : events) {
				inserted += ledger.add(event.eventId()) ? 1 : 0;
			}
			return new InsertResult(inserted, events.size() - inserted);
		};
		BufferedLedgerWriter writer = new BufferedLedgerWriter(store, new WriterSettings(10_000, 500,
				Duration.ofMillis(10), OverflowPolicy.BLOCK, Duration.ofMillis(100), Duration.ofSeconds(2),
				Duration.ofMillis(10), Duration.ofMillis(50)), Clock.systemUTC());
		EventSpool spool = new EventSpool(writer, new SpoolSettings(this.directory, SpoolSettings.MIN_SEGMENT_SIZE,
				1024L * 1024 * 1024, null, Duration.ofSeconds(5)));
		writer.start();
		spool.start();
		try {
			UUID id = UUID.randomUUID();
			// Both copies wait in memory together, as a retry during an outage does.
			for (int copy = 0; copy < 2; copy++) {
				assertThat(writer.offer(UsageEvent.builder("acme", "exports.rows").eventId(id).build())).isTrue();
			}
			// Enough events after them to fill several 64 KB segments.
			for (int i = 0; i < 5_000; i++) {
				assertThat(writer.offer(UsageEvent.builder("acme", "exports.rows").build())).isTrue();
			}
			down.set(false);
			assertThat(spool.flush(Duration.ofSeconds(30))).isTrue();

			assertThat(ledger).hasSize(5_001);
			List<Path> files = EventSpoolTests.segmentFiles(this.directory);
			assertThat(files).hasSize(1);
			assertThat(spool.stats().segments()).isOne();
		}
		finally {
			spool.stop();
			writer.stop();
		}
	}

}
