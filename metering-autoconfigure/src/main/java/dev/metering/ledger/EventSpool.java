package dev.metering.ledger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.HeldUsage;
import dev.metering.event.UsageEvent;
import dev.metering.internal.spool.SpoolDirectory;
import dev.metering.internal.spool.SpoolRecordCodec;
import dev.metering.internal.spool.SpoolSegment;
import dev.metering.internal.spool.SpoolThreads;

import org.springframework.context.SmartLifecycle;

/**
 * A durable spool in front of the {@link BufferedLedgerWriter}: every event the writer accepts
 * is first appended to a memory-mapped segment file, and a segment is deleted only once all of
 * its events have committed. Segments left by a crashed run are replayed at start through the
 * writer (idempotent by event id). When the writer's buffer is full, events stay on disk only
 * and a drain thread feeds them to the writer in order as it makes room: requests never wait,
 * and nothing is dropped until {@code max-size} is spent.
 * <p>
 * Over 350 lines: append, drain, release and replay share the segment bookkeeping.
 */
public class EventSpool implements LedgerWriteListener, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(EventSpool.class);

	private final BufferedLedgerWriter writer;

	private final SpoolSettings settings;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition overflowStarted = this.lock.newCondition();

	private final ConcurrentSkipListMap<Long, SpoolSegment> segments = new ConcurrentSkipListMap<>();

	/**
	 * Events handed to the writer (at most its capacity and a batch), by id: the segments that
	 * carry them, one per copy, resolved one per copy as they commit. An id recorded twice has
	 * two carriers, so neither segment is left unresolved.
	 */
	private final Map<UUID, Carriers> inFlight = new ConcurrentHashMap<>();

	private final LongAdder spooled = new LongAdder();

	private final LongAdder overflowed = new LongAdder();

	private final LongAdder replayed = new LongAdder();

	private final LongAdder full = new LongAdder();

	private final RateLimitedLog fullLog = new RateLimitedLog(logger, Duration.ofSeconds(10));

	private volatile long unreadableBytes;

	private SpoolSegment active;

	/** Guarded by the lock: events are on disk that the writer has not been given yet. */
	private volatile boolean overflowing;

	private SpoolSegment cursorSegment;

	private int cursorOffset;

	/**
	 * Guarded by the lock: the record at which the current backlog started, when its event had
	 * been accepted (not spooled) before the buffer turned out full; {@code null} otherwise.
	 */
	private SpoolSegment acceptedSegment;

	private int acceptedOffset;

	private volatile boolean running;

	private Thread drainer;

	private Thread syncer;

	private SpoolDirectory directory;

	public EventSpool(BufferedLedgerWriter writer, SpoolSettings settings) {
		this.writer = writer;
		this.settings = settings;
	}

	@Override
	public void start() {
		this.lock.lock();
		try {
			if (this.running) {
				return;
			}
			open();
			this.running = true;
		}
		finally {
			this.lock.unlock();
		}
		this.writer.addListener(this);
		this.drainer = SpoolThreads.daemon("metering-spool-drain", this::drain);
		if (this.settings.fsyncInterval() != null) {
			this.syncer = SpoolThreads.daemon("metering-spool-fsync", this::syncPeriodically);
		}
		this.writer.attach(this);
	}

	private void open() {
		this.directory = SpoolDirectory.lock(this.settings.directory());
		SpoolDirectory.Recovered recovered = this.directory.recover();
		this.unreadableBytes = recovered.unreadableBytes();
		recovered.segments().forEach((segment) -> this.segments.put(segment.sequence, segment));
		this.active = SpoolSegment.create(this.directory.path, recovered.lastSequence() + 1,
				this.settings.segmentSize());
		this.segments.put(this.active.sequence, this.active);
		if (!recovered.segments().isEmpty()) {
			startOverflow(recovered.segments().get(0), SpoolSegment.FIRST_RECORD);
		}
	}

	/**
	 * Appends an event and hands it to the writer, or leaves it on disk for the drain thread when
	 * the writer's buffer is full or older events are still on disk.
	 * @param event a validated event
	 * @param held the usage held for it, for the writer's listeners
	 * @return {@code false} when the spool cannot take it (stopped, or its disk budget spent):
	 * the writer then applies its overflow policy
	 */
	boolean offer(UsageEvent event, HeldUsage held) {
		if (!this.running) {
			return false;
		}
		byte[] record = SpoolRecordCodec.encode(event);
		this.lock.lock();
		try {
			SpoolSegment segment = segmentWithRoom(record.length);
			if (segment == null) {
				return false;
			}
			int offset = segment.append(record);
			segment.unresolved.incrementAndGet();
			this.spooled.increment();
			if (!this.overflowing) {
				this.writer.accept(event, held);
				carry(event, segment);
				if (this.writer.enqueue(event)) {
					return true;
				}
				uncarry(event, segment);
				// Accepted already: the drain hands it over without announcing it as unspooled.
				this.acceptedSegment = segment;
				this.acceptedOffset = offset;
				startOverflow(segment, offset);
			}
			else {
				// Behind a backlog on disk: listeners keep nothing per event until it leaves the disk.
				this.writer.spool(event, held);
			}
			this.overflowed.increment();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	private SpoolSegment segmentWithRoom(int recordLength) {
		if (!this.running) {
			return null;
		}
		if (this.active.readable() + recordLength <= this.settings.segmentSize()) {
			return this.active;
		}
		if (recordLength > this.settings.segmentSize() - SpoolSegment.FIRST_RECORD
				|| (this.segments.size() + 1L) * this.settings.segmentSize() > this.settings.maxSize()) {
			this.full.increment();
			this.fullLog.warn(() -> "Metering spool full (" + this.segments.size() + " segments, "
					+ "metering.writer.spool.max-size " + this.settings.maxSize() + " bytes): events go to the "
					+ "in-memory buffer only, " + this.full.sum() + " since start");
			return null;
		}
		SpoolSegment previous = this.active;
		this.active = SpoolSegment.create(this.settings.directory(), previous.sequence + 1, this.settings.segmentSize());
		this.segments.put(this.active.sequence, this.active);
		previous.seal();
		deleteIfResolved(previous);
		return this.active;
	}

	private void carry(UsageEvent event, SpoolSegment segment) {
		this.inFlight.compute(event.eventId(), (id, carriers) -> new Carriers(segment, carriers));
	}

	private void uncarry(UsageEvent event, SpoolSegment segment) {
		this.inFlight.computeIfPresent(event.eventId(), (id, carriers) -> carriers.without(segment));
	}

	private void startOverflow(SpoolSegment segment, int offset) {
		this.overflowing = true;
		this.cursorSegment = segment;
		this.cursorOffset = offset;
		this.overflowStarted.signalAll();
	}

	/** The drain thread: feeds the writer from disk, in order, while there is a backlog. */
	private void drain() {
		while (this.running) {
			SpoolSegment segment;
			int offset;
			SpoolSegment acceptedSegment;
			int acceptedOffset;
			this.lock.lock();
			try {
				while (this.running && !this.overflowing) {
					this.overflowStarted.await(100, TimeUnit.MILLISECONDS);
				}
				segment = this.cursorSegment;
				offset = this.cursorOffset;
				acceptedSegment = this.acceptedSegment;
				acceptedOffset = this.acceptedOffset;
				this.acceptedSegment = null;
			}
			catch (InterruptedException ex) {
				continue;
			}
			finally {
				this.lock.unlock();
			}
			while (this.running && this.overflowing) {
				if (offset < segment.readable()) {
					UsageEvent event = segment.read(offset);
					boolean accepted = segment == acceptedSegment && offset == acceptedOffset;
					if (!handOver(segment, event, accepted)) {
						return;
					}
					offset = segment.recordEnd(offset);
					continue;
				}
				this.lock.lock();
				try {
					if (offset < segment.readable()) {
						continue;
					}
					if (segment == this.active) {
						// Caught up: appends go straight to the writer again, so this cursor is stale.
						this.overflowing = false;
						break;
					}
					else {
						segment = this.segments.higherEntry(segment.sequence).getValue();
						offset = SpoolSegment.FIRST_RECORD;
					}
				}
				finally {
					this.lock.unlock();
				}
			}
		}
	}

	/** Waits for buffer space; {@code false} if the spool stops first (the event stays on disk). */
	private boolean handOver(SpoolSegment segment, UsageEvent event, boolean accepted) {
		if (segment.replayed) {
			this.writer.accept(event, HeldUsage.NONE);
			this.replayed.increment();
		}
		else if (!accepted) {
			this.writer.unspool(event);
		}
		carry(event, segment);
		while (!this.writer.enqueue(event, TimeUnit.MILLISECONDS.toNanos(100))) {
			if (!this.running) {
				uncarry(event, segment);
				return false;
			}
		}
		return true;
	}

	private void syncPeriodically() {
		long interval = this.settings.fsyncInterval().toNanos();
		while (this.running) {
			try {
				TimeUnit.NANOSECONDS.sleep(interval);
			}
			catch (InterruptedException ex) {
				// stopping: a last sync below
			}
			sync();
		}
	}

	/** Forces every live segment to the device. */
	void sync() {
		this.segments.values().forEach(SpoolSegment::force);
	}

	@Override
	public void written(List<UsageEvent> batch) {
		for (UsageEvent event : batch) {
			resolve(event);
		}
	}

	@Override
	public void discarded(UsageEvent event) {
		// Refused by the database: no replay can fix it. Abandoned at shutdown: keep it for the next run.
		if (!this.writer.isStopping()) {
			resolve(event);
		}
	}

	private void resolve(UsageEvent event) {
		SpoolSegment[] released = new SpoolSegment[1];
		this.inFlight.computeIfPresent(event.eventId(), (id, carriers) -> {
			released[0] = carriers.segment();
			return carriers.rest();
		});
		SpoolSegment segment = released[0];
		if (segment != null) {
			segment.unresolved.decrementAndGet();
			deleteIfResolved(segment);
		}
	}

	private void deleteIfResolved(SpoolSegment segment) {
		if (segment.deleteIfResolved()) {
			this.segments.remove(segment.sequence, segment);
		}
	}

	/**
	 * Waits until no event is waiting on disk only and the writer has written everything.
	 * @param timeout the longest to wait
	 * @return whether that happened in time
	 */
	public boolean flush(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.overflowing) {
			if (System.nanoTime() > deadline) {
				return false;
			}
			SpoolThreads.sleep(5);
		}
		return this.writer.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
	}

	/**
	 * The spool's counters.
	 * @return a snapshot
	 */
	public SpoolStats stats() {
		return new SpoolStats(this.spooled.sum(), this.overflowed.sum(), this.replayed.sum(), this.full.sum(),
				this.unreadableBytes, this.segments.size(), this.overflowing);
	}

	@Override
	public void stop() {
		long deadline = System.nanoTime() + this.settings.drainTimeout().toNanos();
		while (this.running && this.overflowing && System.nanoTime() < deadline) {
			SpoolThreads.sleep(10);
		}
		this.lock.lock();
		try {
			if (!this.running) {
				return;
			}
			this.running = false;
			this.overflowStarted.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		SpoolThreads.join(this.drainer);
		if (this.syncer != null) {
			this.syncer.interrupt();
			SpoolThreads.join(this.syncer);
		}
		this.directory.close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Starts after the writer, so replay has a writer to feed; stops before it. */
	@Override
	public int getPhase() {
		return BufferedLedgerWriter.PHASE + 1;
	}

	/**
	 * The segments carrying copies of one event id, oldest copy last: almost always one. Any copy
	 * committing puts the id in the ledger, so it may resolve any carrier.
	 */
	private record Carriers(SpoolSegment segment, @Nullable Carriers rest) {

		@Nullable Carriers without(SpoolSegment carrier) {
			if (this.segment == carrier) {
				return this.rest;
			}
			return (this.rest != null) ? new Carriers(this.segment, this.rest.without(carrier)) : this;
		}

	}

}
