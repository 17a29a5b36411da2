package dev.metering.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import dev.metering.event.UsageEvent;
import dev.metering.internal.spool.SpoolRecordCodec;
import dev.metering.internal.spool.SpoolSegment;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The durable spool with the writer on every real database: what a crash leaves on disk is
 * replayed exactly once, a torn tail is reported and its valid prefix replayed, a full buffer
 * overflows to disk without dropping, and committed segments are deleted.
 */
class EventSpoolTests {

	private static final Duration FLUSH_TIMEOUT = Duration.ofMinutes(2);

	private static final int SEGMENT_SIZE = SpoolSettings.MIN_SEGMENT_SIZE;

	@TempDir
	Path directory;

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void everyEventReachesTheLedgerOnceAndCommittedSegmentsAreDeleted(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			Instance instance = new Instance(schema, schema.dataSource(), this.directory, 100_000, OverflowPolicy.BLOCK);
			List<UUID> ids = record(instance, 5_000);

			assertThat(instance.spool.flush(FLUSH_TIMEOUT)).isTrue();
			instance.stop();

			assertThat(ledgerIds(schema)).containsExactlyInAnyOrderElementsOf(ids);
			assertThat(instance.spool.stats().spooled()).isEqualTo(5_000);
			// 5,000 events take several 64KB segments; only the one still open for appends is left.
			assertThat(segmentFiles(this.directory)).hasSize(1);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void segmentsLeftByACrashAreReplayedAtStartAndNothingIsCountedTwice(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			FaultyDataSource down = new FaultyDataSource(schema.dataSource());
			down.mode(FaultyDataSource.Mode.FAIL);
			Instance crashed = new Instance(schema, down, this.directory.resolve("run1"), 100_000,
					OverflowPolicy.BLOCK);
			List<UUID> ids = record(crashed, 3_000);
			// What kill -9 leaves: the files as the page cache holds them, no shutdown.
			Path image = crashImage(this.directory.resolve("run1"), this.directory.resolve("image"));
			crashed.stop();
			// The first 1,000 had committed just before the crash, their segment not yet deleted.
			new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables())
				.insert(crashed.recorded.stream().limit(1_000).toList(), java.time.Instant.now());

			Instance restarted = new Instance(schema, schema.dataSource(), image, 100_000, OverflowPolicy.BLOCK);
			assertThat(restarted.spool.flush(FLUSH_TIMEOUT)).isTrue();
			restarted.stop();

			assertThat(ledgerIds(schema)).hasSize(3_000).containsExactlyInAnyOrderElementsOf(ids);
			assertThat(restarted.spool.stats().replayed()).isEqualTo(3_000);
			assertThat(restarted.writer.stats().duplicates()).isEqualTo(1_000);
			assertThat(segmentFiles(image)).hasSize(1);
		}
	}

	@Test
	void aTornTailIsReportedKeptAndItsValidPrefixReplayed() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			FaultyDataSource down = new FaultyDataSource(schema.dataSource());
			down.mode(FaultyDataSource.Mode.FAIL);
			Instance crashed = new Instance(schema, down, this.directory.resolve("run1"), 100_000,
					OverflowPolicy.BLOCK);
			List<UUID> ids = record(crashed, 100);
			Path image = crashImage(this.directory.resolve("run1"), this.directory.resolve("image"));
			crashed.stop();
			Path segment = segmentFiles(image).get(0);
			int lastRecord = lastRecordOffset(segment);
			// A crash in the middle of the last append: its payload half written.
			try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
				channel.write(ByteBuffer.wrap(new byte[] { 0x55, 0x55, 0x55 }), lastRecord + 20);
			}

			Instance restarted = new Instance(schema, schema.dataSource(), image, 100_000, OverflowPolicy.BLOCK);
			assertThat(restarted.spool.flush(FLUSH_TIMEOUT)).isTrue();
			restarted.stop();

			assertThat(ledgerIds(schema)).containsExactlyInAnyOrderElementsOf(ids.subList(0, 99));
			assertThat(restarted.spool.stats().replayed()).isEqualTo(99);
			assertThat(restarted.spool.stats().unreadableBytes()).isPositive();
			assertThat(image.resolve(segment.getFileName() + ".corrupt")).exists();
		}
	}

	@Test
	void aSegmentThatIsNotASpoolFileIsReportedAndStartStillSucceeds() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			Files.createDirectories(this.directory);
			Files.write(this.directory.resolve("00000000000000000007.seg"), new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });

			Instance instance = new Instance(schema, schema.dataSource(), this.directory, 100, OverflowPolicy.BLOCK);
			List<UUID> ids = record(instance, 10);
			assertThat(instance.spool.flush(FLUSH_TIMEOUT)).isTrue();
			instance.stop();

			assertThat(instance.spool.stats().unreadableBytes()).isEqualTo(8);
			assertThat(this.directory.resolve("00000000000000000007.seg.corrupt")).exists();
			assertThat(ledgerIds(schema)).containsExactlyInAnyOrderElementsOf(ids);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aFullBufferOverflowsToDiskWithoutDropsAndDrainsInOrderWhenTheDatabaseReturns(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema()) {
			FaultyDataSource faulty = new FaultyDataSource(schema.dataSource());
			faulty.mode(FaultyDataSource.Mode.FAIL);
			Instance instance = new Instance(schema, faulty, this.directory, 50, OverflowPolicy.DROP);
			long start = System.nanoTime();
			List<UUID> ids = record(instance, 6_000);
			Duration recording = Duration.ofNanos(System.nanoTime() - start);

			assertThat(instance.writer.stats().dropped()).isZero();
			assertThat(instance.spool.stats().overflowed()).isGreaterThan(5_000);
			// DROP with a 50-event buffer and the database down: without the spool, all but ~50 would be dropped.
			assertThat(recording).isLessThan(Duration.ofSeconds(30));
			faulty.mode(FaultyDataSource.Mode.NORMAL);
			assertThat(instance.spool.flush(FLUSH_TIMEOUT)).isTrue();
			instance.stop();

			assertThat(schema.jdbc()
				.queryForList("select event_id from " + schema.tables().usageEvent() + " order by id", String.class)
				.stream()
				.map(UUID::fromString)
				.toList()).containsExactlyElementsOf(ids);
			assertThat(segmentFiles(this.directory)).hasSize(1);
		}
	}

	@Test
	void aSpentDiskBudgetFallsBackToTheOverflowPolicyAndCountsIt() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			FaultyDataSource faulty = new FaultyDataSource(schema.dataSource());
			faulty.mode(FaultyDataSource.Mode.FAIL);
			Instance instance = new Instance(schema, faulty, this.directory, 10, OverflowPolicy.DROP,
					new SpoolSettings(this.directory, SEGMENT_SIZE, 2L * SEGMENT_SIZE, null, Duration.ofSeconds(5)));
			int accepted = 0;
			for (int i = 0; i < 5_000; i++) {
				accepted += instance.writer.offer(instance.event()) ? 1 : 0;
			}

			assertThat(instance.spool.stats().full()).isPositive();
			assertThat(instance.writer.stats().dropped()).isEqualTo(5_000 - accepted).isPositive();
			faulty.mode(FaultyDataSource.Mode.NORMAL);
			assertThat(instance.spool.flush(FLUSH_TIMEOUT)).isTrue();
			instance.stop();
			assertThat(schema.eventCount()).isEqualTo(accepted);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void eightThreadsWhileTheDatabaseFlapsLeaveExactlyTheRecordedEvents(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			FaultyDataSource faulty = new FaultyDataSource(schema.dataSource());
			Instance instance = new Instance(schema, faulty, this.directory, 500, OverflowPolicy.DROP);
			AtomicBoolean recording = new AtomicBoolean(true);
			Thread flapper = new Thread(() -> {
				while (recording.get()) {
					faulty.mode(faulty.refusedCalls() % 2 == 0 ? FaultyDataSource.Mode.FAIL
							: FaultyDataSource.Mode.NORMAL);
					sleep(30);
				}
				faulty.mode(FaultyDataSource.Mode.NORMAL);
			});
			flapper.start();
			List<Thread> threads = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				Thread thread = new Thread(() -> {
					for (int i = 0; i < 1_000; i++) {
						instance.writer.offer(instance.event());
					}
				});
				threads.add(thread);
				thread.start();
			}
			for (Thread thread : threads) {
				thread.join();
			}
			recording.set(false);
			flapper.join();
			assertThat(instance.spool.flush(FLUSH_TIMEOUT)).isTrue();
			instance.stop();

			assertThat(instance.writer.stats().dropped()).isZero();
			assertThat(ledgerIds(schema)).hasSize(8_000)
				.containsExactlyInAnyOrderElementsOf(instance.recorded.stream().map(UsageEvent::eventId).toList());
		}
	}

	@Test
	void aDirectoryInUseByAnotherSpoolIsRefusedWithItsName() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			Instance first = new Instance(schema, schema.dataSource(), this.directory, 100, OverflowPolicy.BLOCK);
			BufferedLedgerWriter other = new BufferedLedgerWriter(first.store, first.writerSettings, Clock.systemUTC());
			EventSpool second = new EventSpool(other, SpoolSettings.in(this.directory));
			assertThatIllegalStateException().isThrownBy(second::start).withMessageContaining("in use");
			first.stop();
		}
	}

	private static List<UUID> record(Instance instance, int count) {
		List<UUID> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			UsageEvent event = instance.event();
			assertThat(instance.writer.offer(event)).isTrue();
			ids.add(event.eventId());
		}
		return ids;
	}

	private static Set<UUID> ledgerIds(TestSchema schema) {
		List<UUID> ids = schema.jdbc()
			.queryForList("select event_id from " + schema.tables().usageEvent(), String.class)
			.stream()
			.map(UUID::fromString)
			.toList();
		Set<UUID> distinct = new HashSet<>(ids);
		assertThat(distinct).as("no event twice").hasSameSizeAs(ids);
		return distinct;
	}

	static List<Path> segmentFiles(Path directory) throws IOException {
		try (Stream<Path> files = Files.list(directory)) {
			return files.filter((file) -> file.toString().endsWith(SpoolSegment.SUFFIX)).sorted().toList();
		}
	}

	private static Path crashImage(Path from, Path to) throws IOException {
		Files.createDirectories(to);
		for (Path segment : segmentFiles(from)) {
			Files.copy(segment, to.resolve(segment.getFileName()));
		}
		return to;
	}

	private static int lastRecordOffset(Path segment) throws IOException {
		ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
		int offset = SpoolSegment.FIRST_RECORD;
		int last = offset;
		while (bytes.getInt(offset) != 0) {
			last = offset;
			offset += SpoolRecordCodec.HEADER_BYTES + bytes.getInt(offset);
		}
		return last;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** A writer with its spool, as the auto-configuration starts them. */
	private static final class Instance {

		final UsageEventStore store;

		final WriterSettings writerSettings;

		final BufferedLedgerWriter writer;

		final EventSpool spool;

		final ConcurrentLinkedQueue<UsageEvent> recorded = new ConcurrentLinkedQueue<>();

		Instance(TestSchema schema, javax.sql.DataSource dataSource, Path directory, int capacity,
				OverflowPolicy overflow) {
			this(schema, dataSource, directory, capacity, overflow,
					new SpoolSettings(directory, SEGMENT_SIZE, 1024L * 1024 * 1024, null, Duration.ofSeconds(5)));
		}

		Instance(TestSchema schema, javax.sql.DataSource dataSource, Path directory, int capacity,
				OverflowPolicy overflow, SpoolSettings spoolSettings) {
			this.store = new JdbcUsageEventStore(dataSource, schema::dialect, schema.tables());
			this.writerSettings = new WriterSettings(capacity, 500, Duration.ofMillis(10), overflow,
					Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMillis(50));
			this.writer = new BufferedLedgerWriter(this.store, this.writerSettings, Clock.systemUTC());
			this.spool = new EventSpool(this.writer, spoolSettings);
			this.writer.start();
			this.spool.start();
		}

		UsageEvent event() {
			UsageEvent event = UsageEvent.builder("acme", "http.requests").resource("/things/{id}").build();
			this.recorded.add(event);
			return event;
		}

		void stop() {
			this.spool.stop();
			this.writer.stop();
		}

	}

}
