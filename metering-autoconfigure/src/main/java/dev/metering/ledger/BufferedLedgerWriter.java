package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.HeldUsage;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventSink;

import org.springframework.context.SmartLifecycle;

/**
 * Takes events from recording threads into a bounded buffer and writes them to the ledger from
 * one background thread, in batches.
 * <p>
 * Guarantees: a recording thread never runs JDBC; a failed write is retried with capped
 * exponential backoff for as long as the database stays down, so no accepted event is lost
 * while the application runs; a retry never double-counts, because the store skips event ids
 * already written. A full buffer follows the {@link OverflowPolicy}; every drop is counted and
 * logged. Closing the context writes the buffer, waiting up to the shutdown timeout; an event
 * recorded while or after it closes is written on the recording thread, or refused ({@code false})
 * when that write fails, never left in the buffer.
 * <p>
 * Over 350 lines: the buffer, the writer thread's loop and the shutdown share the buffer's state
 * and its ordering guarantees.
 */
public class BufferedLedgerWriter implements UsageEventSink, SmartLifecycle {

	/**
	 * Stops after the web server (which drains in-flight requests first) and before the
	 * DataSource is closed; starts early, so events recorded during start-up are written.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 10_000;

	private static final Log logger = LogFactory.getLog(BufferedLedgerWriter.class);

	private final WriterSettings settings;

	private final WriterBuffer buffer;

	/** Accepted but not yet written (buffered plus the batch in flight). */
	private final AtomicLong pending = new AtomicLong();

	private final Object progress = new Object();

	private final WriterCounters counters = new WriterCounters();

	private final RateLimitedLog dropLog = new RateLimitedLog(logger, Duration.ofSeconds(10));

	private final RateLimitedLog errorLog = new RateLimitedLog(logger, Duration.ofSeconds(10));

	private final Object lifecycleMonitor = new Object();

	private final List<LedgerWriteListener> listeners = new CopyOnWriteArrayList<>();

	private final LedgerBatchInserter inserter;

	private volatile Thread thread;

	private volatile boolean stopping;

	/**
	 * Set before the last look at the buffer at shutdown: from then on an event is written on
	 * the recording thread, and one that reached the buffer too late is taken back by its
	 * recording thread, so none is left behind.
	 */
	private volatile boolean closing;

	/** Set when the shutdown timeout has passed: the writer stops retrying. */
	private volatile boolean abandoned;

	private volatile int flushRequests;

	private volatile long lastDropNanos;

	private volatile boolean everDropped;

	/** Set by an {@link EventSpool} once started: it takes every event first. */
	private volatile EventSpool spool;

	public BufferedLedgerWriter(UsageEventStore store, WriterSettings settings, Clock clock) {
		this(store, settings, clock, null);
	}

	/**
	 * Creates a writer that refuses, when it writes, events older than the late window: an event
	 * may wait in the buffer, in retries or in the spool past the window recording checked.
	 * @param store the ledger
	 * @param settings batching, waiting and retries
	 * @param clock the clock of {@code recorded_at} and of the late window
	 * @param lateWindow how old an event may be when written, {@code null} for any age
	 */
	public BufferedLedgerWriter(UsageEventStore store, WriterSettings settings, Clock clock,
			@Nullable Duration lateWindow) {
		this.settings = settings;
		this.inserter = new LedgerBatchInserter(store, settings, clock, this.listeners, this.counters, lateWindow);
		this.buffer = new WriterBuffer(settings);
	}

	@Override
	public boolean offer(UsageEvent event) {
		return offer(event, HeldUsage.NONE);
	}

	/**
	 * Takes an event with the usage held for it: the listeners get both as the event is accepted
	 * (or spooled), on this thread.
	 */
	@Override
	public boolean offer(UsageEvent event, HeldUsage held) {
		if (this.closing) {
			return writeAfterStop(event, held);
		}
		EventSpool spool = this.spool;
		if (spool != null && spool.offer(event, held)) {
			return true;
		}
		this.pending.incrementAndGet();
		// Before the buffer: once in it, the writer may commit the event at any moment.
		this.listeners.forEach((listener) -> listener.accepted(event, held));
		boolean accepted = this.buffer.offer(event) || (this.settings.overflow() == OverflowPolicy.BLOCK && this.buffer.offer(event, this.settings.blockTimeout().toNanos()));
		if (accepted) {
			if (this.closing && this.buffer.remove(event)) {
				// Put in after the last drain may have passed: nobody else would write it.
				completed(1);
				return writeOnCaller(event);
			}
			this.counters.recorded.increment();
			return true;
		}
		this.listeners.forEach((listener) -> listener.discarded(event));
		completed(1);
		dropped();
		this.dropLog.warn(() -> "Metering buffer full (" + this.settings.capacity() + " events, metering.writer.capacity): "
				+ "dropped events, " + this.counters.dropped.sum() + " in all since start");
		return false;
	}

	void attach(EventSpool spool) {
		this.spool = spool;
	}

	/** For the spool: counts an event as accepted before it is {@linkplain #enqueue queued}. */
	void accept(UsageEvent event, HeldUsage held) {
		this.pending.incrementAndGet();
		this.listeners.forEach((listener) -> listener.accepted(event, held));
		this.counters.recorded.increment();
	}

	/** For the spool: counts an event as accepted onto disk only, behind older ones there. */
	void spool(UsageEvent event, HeldUsage held) {
		this.pending.incrementAndGet();
		this.listeners.forEach((listener) -> listener.spooled(event, held));
		this.counters.recorded.increment();
	}

	/** For the spool: a {@linkplain #spool spooled} event is about to be {@linkplain #enqueue queued}. */
	void unspool(UsageEvent event) {
		this.listeners.forEach((listener) -> listener.unspooled(event));
	}

	/** For the spool: queues an {@linkplain #accept accepted} event if there is room now. */
	boolean enqueue(UsageEvent event) {
		return this.buffer.offer(event);
	}

	/** For the spool: queues an {@linkplain #accept accepted} event, waiting for room. */
	boolean enqueue(UsageEvent event, long timeoutNanos) {
		return this.buffer.offer(event, timeoutNanos);
	}

	boolean isStopping() {
		return this.stopping;
	}

	/** Once closing, the writer thread is gone or going: write on the caller's thread, once. */
	private boolean writeAfterStop(UsageEvent event, HeldUsage held) {
		this.listeners.forEach((listener) -> listener.accepted(event, held));
		return writeOnCaller(event);
	}

	private boolean writeOnCaller(UsageEvent event) {
		try {
			insert(List.of(event));
			this.counters.recorded.increment();
			return true;
		}
		catch (RuntimeException ex) {
			this.listeners.forEach((listener) -> listener.discarded(event));
			dropped();
			logger.error("Metering writer has stopped and could not write an event of tenant '" + event.tenantId()
					+ "', meter '" + event.meter() + "': dropped", ex);
			return false;
		}
	}

	/**
	 * Waits until every event accepted so far is written (or skipped as a duplicate), asking the
	 * writer not to wait for a batch to fill.
	 * @param timeout the longest to wait
	 * @return {@code true} if everything was written in time
	 */
	public boolean flush(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.progress) {
			this.flushRequests++;
			// A batch filling sleeps up to 20 ms between looks at the buffer: wake it to write now.
			wake();
			try {
				while (this.pending.get() > 0) {
					long remaining = deadline - System.nanoTime();
					if (remaining <= 0) {
						return false;
					}
					this.progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
				}
				return true;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
			finally {
				this.flushRequests--;
			}
		}
	}

	private void wake() {
		Thread writer = this.thread;
		if (writer != null) {
			LockSupport.unpark(writer);
		}
	}

	/**
	 * The writer's counters.
	 * @return a snapshot
	 */
	public WriterStats stats() {
		return this.counters.snapshot(Math.max(0, this.pending.get()));
	}

	/**
	 * Events waiting to be written.
	 * @return buffered events plus those of the batch in flight
	 */
	public long buffered() {
		return Math.max(0, this.pending.get());
	}

	@Override
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.thread != null) {
				return;
			}
			this.stopping = false;
			this.closing = false;
			this.abandoned = false;
			Thread writer = new Thread(this::run, "metering-ledger-writer");
			writer.setDaemon(true);
			this.thread = writer;
			writer.start();
		}
	}

	@Override
	public void stop() {
		Thread writer;
		synchronized (this.lifecycleMonitor) {
			writer = this.thread;
			if (writer == null) {
				return;
			}
			this.stopping = true;
		}
		wake();
		try {
			writer.join(Math.max(1, this.settings.shutdownTimeout().toMillis()));
			if (writer.isAlive()) {
				this.abandoned = true;
				writer.interrupt();
				writer.join(TimeUnit.SECONDS.toMillis(5));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.closing = true;
		if (!this.abandoned) {
			writeStragglers();
		}
		long lost = this.pending.get();
		if (lost > 0) {
			logger.error("Metering writer stopped with " + lost + " events not written: the database did not take them "
					+ "within metering.writer.shutdown-timeout (" + this.settings.shutdownTimeout() + ")");
		}
		synchronized (this.lifecycleMonitor) {
			this.thread = null;
		}
	}

	/** Events that arrived after the writer thread's last look at the buffer: one attempt each batch. */
	private void writeStragglers() {
		List<UsageEvent> rest = new ArrayList<>();
		this.buffer.drainTo(rest);
		for (int from = 0; from < rest.size(); from += this.settings.batchSize()) {
			List<UsageEvent> batch = rest.subList(from, Math.min(rest.size(), from + this.settings.batchSize()));
			try {
				insert(batch);
				completed(batch.size());
			}
			catch (RuntimeException ex) {
				logger.error("Metering writer could not write " + batch.size() + " events at shutdown", ex);
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.thread != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private void run() {
		List<UsageEvent> batch = new ArrayList<>(this.settings.batchSize());
		while (true) {
			try {
				if (!nextBatch(batch)) {
					// Done: what is still on its way is confirmed (or, abandoned, given up) first.
					confirmStarted();
					return;
				}
			}
			catch (Throwable ex) {
				// Whatever escapes a batch (an Error while filling it): the events taken stay in
				// the batch and are written next round; the thread must not end with them.
				this.counters.errors.increment();
				this.errorLog.warn(() -> "Metering writer caught " + ex.getClass().getName() + " (" + batch.size()
						+ " events in hand, kept and retried); " + this.counters.errors.sum() + " errors since start");
				pause();
			}
		}
	}

	/**
	 * Takes a batch (unless one is still in hand) and writes it.
	 * @return {@code false} when the writer is done
	 */
	private boolean nextBatch(List<UsageEvent> batch) {
		if (batch.isEmpty()) {
			UsageEvent first;
			if (this.stopping) {
				// Done as soon as the buffer is empty once: under steady recording it may never stay
				// empty for a poll's wait. What comes later is the straggler pass's or its recorder's.
				first = this.buffer.poll();
				if (first == null) {
					return false;
				}
			}
			else {
				if (this.buffer.isEmpty()) {
					// Started batches are confirmed before waiting for events (a flush waits for them).
					confirmStarted();
				}
				try {
					first = this.buffer.pollIdle();
				}
				catch (InterruptedException ex) {
					return !this.abandoned;
				}
				if (first == null) {
					return true;
				}
			}
			batch.add(first);
			this.buffer.fill(batch, () -> this.stopping || this.flushRequests > 0);
		}
		write(batch);
		batch.clear();
		return !this.abandoned;
	}

	private void pause() {
		try {
			TimeUnit.NANOSECONDS.sleep(this.settings.initialBackoff().toNanos());
		}
		catch (InterruptedException ex) {
			// The loop looks at the stop flags next.
		}
	}

	private void write(List<UsageEvent> batch) {
		this.inserter.write(batch, () -> this.abandoned, this::completed, this.pending::get,
				() -> this.buffer.isEmpty() || this.stopping);
	}

	private void confirmStarted() {
		this.inserter.confirmAll(() -> this.abandoned, this::completed, this.pending::get);
	}

	private void insert(List<UsageEvent> batch) {
		this.inserter.insert(batch);
	}

	/**
	 * Adds a listener that follows every event from the buffer to the ledger.
	 * @param listener the listener
	 */
	public void addListener(LedgerWriteListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Removes a listener added with {@link #addListener}.
	 * @param listener the listener
	 */
	public void removeListener(LedgerWriteListener listener) {
		this.listeners.remove(listener);
	}

	private void dropped() {
		this.counters.dropped.increment();
		this.lastDropNanos = System.nanoTime();
		this.everDropped = true;
	}

	/**
	 * How long ago the writer last dropped an event (buffer full, or stopped and unable to write it).
	 * @return the time since the last drop, or {@code null} if none was dropped since start
	 */
	public @Nullable Duration sinceLastDrop() {
		return this.everDropped ? Duration.ofNanos(System.nanoTime() - this.lastDropNanos) : null;
	}

	private void completed(int events) {
		if (this.pending.addAndGet(-events) <= 0 || this.flushRequests > 0) {
			synchronized (this.progress) {
				this.progress.notifyAll();
			}
		}
	}

}
