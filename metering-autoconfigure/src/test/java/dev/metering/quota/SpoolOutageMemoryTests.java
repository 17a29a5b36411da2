package dev.metering.quota;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.EventSpool;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.OverflowPolicy;
import dev.metering.ledger.SpoolSettings;
import dev.metering.ledger.UsageEventStore;
import dev.metering.ledger.WriterSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.dao.TransientDataAccessResourceException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A long database outage with the spool on: the heap does not grow with the events waiting on
 * disk, while the local usage that quota checks add to ledger readings stays exact at the tenant
 * and at its parent, and comes back to nothing once everything is written.
 * <p>
 * Scale: 10 minutes of an outage at 500 events/s is 300,000 events; they are recorded as fast as
 * the spool takes them (a few seconds), since nothing in the kit's memory depends on the time
 * they are spread over while the database is down (no batch commits, so no sweep runs).
 */
class SpoolOutageMemoryTests {

	private static final String METER = "api.calls";

	private static final int TEAMS = 10;

	private static final int CAPACITY = 1000;

	private static final int BATCH = 500;

	@TempDir
	Path directory;

	@Test
	void aTenMinuteOutageCostsNoHeapPerSpooledEventAndQuotasStayExact() {
		OutageStore store = new OutageStore();
		WriterSettings settings = new WriterSettings(CAPACITY, BATCH, Duration.ofMillis(10), OverflowPolicy.BLOCK,
				Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMillis(50));
		BufferedLedgerWriter writer = new BufferedLedgerWriter(store, settings, Clock.systemUTC());
		LocalUsage local = new LocalUsage((scope, meter) -> true);
		LineageWriteListener lineage = new LineageWriteListener(local, (tenant) -> List.of("org"));
		writer.addListener(lineage);
		EventSpool spool = new EventSpool(writer,
				new SpoolSettings(this.directory, 8 * 1024 * 1024, 2L * 1024 * 1024 * 1024, null, Duration.ofSeconds(5)));
		writer.start();
		spool.start();
		try {
			store.down = true;
			record(writer, 0, 30_000);
			long heapEarly = usedHeap();
			record(writer, 30_000, 300_000);
			long heapLate = usedHeap();

			assertThat(spool.stats().overflowed()).isGreaterThan(290_000);
			// 270,000 more events on disk; per event the old maps held about 250 bytes (67 MB).
			assertThat(heapLate - heapEarly).isLessThan(16L * 1024 * 1024);
			// What is kept per event is for events in memory only: the buffer and one batch.
			assertThat(local.trackedEvents()).isLessThanOrEqualTo(2 * (CAPACITY + BATCH + 1));
			assertThat(lineage.eventsInFlight()).isLessThanOrEqualTo(CAPACITY + BATCH + 1);
			assertThat(lineage.spooledTenants()).isLessThanOrEqualTo(TEAMS);
			assertThat(local.spooledMeters()).isLessThanOrEqualTo(TEAMS + 1);
			// Every event waiting, in memory or on disk, counts for its team and for the parent.
			assertThat(unread(local, "org")).isEqualByComparingTo("300000");
			for (int team = 0; team < TEAMS; team++) {
				assertThat(unread(local, "team-" + team)).isEqualByComparingTo("30000");
			}

			store.down = false;
			assertThat(spool.flush(Duration.ofMinutes(2))).isTrue();
			assertThat(store.rows).hasSize(300_000);
			assertThat(local.trackedEvents()).isZero();
			assertThat(lineage.eventsInFlight()).isZero();
			assertThat(lineage.spooledTenants()).isZero();
			assertThat(local.spooledMeters()).isZero();
			// All in the ledger now: a reading taken after the last commit has it all, nothing is added twice.
			assertThat(unread(local, "org")).isEqualByComparingTo("0");
			assertThat(spool.stats().segments()).isOne();
		}
		finally {
			store.down = false;
			spool.stop();
			writer.stop();
		}
	}

	private static void record(BufferedLedgerWriter writer, int from, int to) {
		for (int i = from; i < to; i++) {
			assertThat(writer.offer(UsageEvent.builder("team-" + (i % TEAMS), METER).build())).isTrue();
		}
	}

	/** Local usage of every hour that a reading at the writer's current sequence does not contain. */
	private static BigDecimal unread(LocalUsage local, String scope) {
		MeterUsage usage = local.meter(scope, METER);
		synchronized (usage) {
			return usage.unread(Long.MIN_VALUE, Long.MAX_VALUE, local.sequence());
		}
	}

	private static long usedHeap() {
		Runtime runtime = Runtime.getRuntime();
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return runtime.totalMemory() - runtime.freeMemory();
	}

	/** The ledger: refuses every write while down, keeps each event id once. */
	static final class OutageStore implements UsageEventStore {

		volatile boolean down;

		final Map<UUID, BigDecimal> rows = new ConcurrentHashMap<>();

		@Override
		public InsertResult insert(List<UsageEvent> events, java.time.Instant recordedAt) {
			if (this.down) {
				throw new TransientDataAccessResourceException("Injected outage: database unreachable");
			}
			int inserted = 0;
			for (UsageEvent event : events) {
				inserted += (this.rows.putIfAbsent(event.eventId(), event.quantity()) == null) ? 1 : 0;
			}
			return new InsertResult(inserted, events.size() - inserted);
		}

	}

}
