package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventSink;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;

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
 */
public class BufferedLedgerWriter implements UsageEventSink, SmartLifecycle {

	/**
	 * Stops after the web server (which drains in-flight requests first) and before the
	 * DataSource is closed; starts early, so events recorded during start-up are written.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 10_000;

	private static final Log logger = LogFactory.getLog(BufferedLedgerWriter.class);

	private static final long IDLE_POLL_MILLIS = 100;

	private static final long FILL_POLL_MILLIS = 5;

	private final UsageEventStore store;

	private final WriterSettings settings;

	private final Clock clock;

	private final BlockingQueue<UsageEvent> buffer;

	/** Accepted but not yet written (buffered plus the batch in flight). */
	private final AtomicLong pending = new AtomicLong();

	private final Object progress = new Object();

	private final LongAdder recorded = new LongAdder();

	private final LongAdder written = new LongAdder();

	private final LongAdder duplicates = new LongAdder();

	private final LongAdder dropped = new LongAdder();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder retries = new LongAdder();

	private final LongAdder batches = new LongAdder();

	private final LongAdder batchNanos = new LongAdder();

	private final RateLimitedLog dropLog = new RateLimitedLog(logger, Duration.ofSeconds(10));

	private final RateLimitedLog retryLog = new RateLimitedLog(logger, Duration.ofSeconds(10));

	private final Object lifecycleMonitor = new Object();

	private final List<LedgerWriteListener> listeners = new CopyOnWriteArrayList<>();

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

	/** Set by an {@link EventSpool} once started: it takes every event first. */
	private volatile EventSpool spool;

	public BufferedLedgerWriter(UsageEventStore store, WriterSettings settings, Clock clock) {
		this.store = store;
		this.settings = settings;
		this.clock = clock;
		this.buffer = new ArrayBlockingQueue<>(settings.capacity());
	}

	@Override
	public boolean offer(UsageEvent event) {
		if (this.closing) {
			return writeAfterStop(event);
		}
		EventSpool spool = this.spool;
		if (spool != null && spool.offer(event)) {
			return true;
		}
		this.pending.incrementAndGet();
		// Before the buffer: once in it, the writer may commit the event at any moment.
		this.listeners.forEach((listener) -> listener.accepted(event));
		boolean accepted = this.buffer.offer(event) || (this.settings.overflow() == OverflowPolicy.BLOCK && offerBlocking(event));
		if (accepted) {
			if (this.closing && this.buffer.remove(event)) {
				// Put in after the last drain may have passed: nobody else would write it.
				completed(1);
				return writeOnCaller(event);
			}
			this.recorded.increment();
			return true;
		}
		this.listeners.forEach((listener) -> listener.discarded(event));
		completed(1);
		this.dropped.increment();
		this.dropLog.warn(() -> "Metering buffer full (" + this.settings.capacity() + " events, metering.writer.capacity): "
				+ "dropped events, " + this.dropped.sum() + " in all since start");
		return false;
	}

	private boolean offerBlocking(UsageEvent event) {
		try {
			return this.buffer.offer(event, this.settings.blockTimeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	void attach(EventSpool spool) {
		this.spool = spool;
	}

	/** For the spool: counts an event as accepted before it is {@linkplain #enqueue queued}. */
	void accept(UsageEvent event) {
		this.pending.incrementAndGet();
		this.listeners.forEach((listener) -> listener.accepted(event));
		this.recorded.increment();
	}

	/** For the spool: queues an {@linkplain #accept accepted} event if there is room now. */
	boolean enqueue(UsageEvent event) {
		return this.buffer.offer(event);
	}

	/** For the spool: queues an {@linkplain #accept accepted} event, waiting for room. */
	boolean enqueue(UsageEvent event, long timeoutNanos) {
		try {
			return this.buffer.offer(event, timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	boolean isStopping() {
		return this.stopping;
	}

	/** Once closing, the writer thread is gone or going: write on the caller's thread, once. */
	private boolean writeAfterStop(UsageEvent event) {
		this.listeners.forEach((listener) -> listener.accepted(event));
		return writeOnCaller(event);
	}

	private boolean writeOnCaller(UsageEvent event) {
		try {
			insert(List.of(event));
			this.recorded.increment();
			return true;
		}
		catch (RuntimeException ex) {
			this.listeners.forEach((listener) -> listener.discarded(event));
			this.dropped.increment();
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

	/**
	 * The writer's counters.
	 * @return a snapshot
	 */
	public WriterStats stats() {
		return new WriterStats(this.recorded.sum(), this.written.sum(), this.duplicates.sum(), this.dropped.sum(),
				this.rejected.sum(), this.retries.sum(), Math.max(0, this.pending.get()), this.batches.sum(),
				this.batchNanos.sum());
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
			UsageEvent first;
			if (this.stopping) {
				// Done as soon as the buffer is empty once: under steady recording it may never stay
				// empty for a poll's wait. What comes later is the straggler pass's or its recorder's.
				first = this.buffer.poll();
				if (first == null) {
					return;
				}
			}
			else {
				try {
					first = this.buffer.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					if (this.abandoned) {
						return;
					}
					continue;
				}
				if (first == null) {
					continue;
				}
			}
			batch.add(first);
			fill(batch);
			write(batch);
			batch.clear();
			if (this.abandoned) {
				return;
			}
		}
	}

	/** Adds to the batch until it is full or the flush interval has passed since its first event. */
	private void fill(List<UsageEvent> batch) {
		int batchSize = this.settings.batchSize();
		long deadline = System.nanoTime() + this.settings.flushInterval().toNanos();
		while (batch.size() < batchSize) {
			this.buffer.drainTo(batch, batchSize - batch.size());
			if (batch.size() >= batchSize || this.stopping || this.flushRequests > 0) {
				return;
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				return;
			}
			// Sleeps instead of a waiting poll: while this thread waits in poll, every offer signals
			// it, so each event would cost its request thread a wake-up call and this thread a
			// context switch. Asleep, it takes what came meanwhile in one drain.
			LockSupport.parkNanos(this, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(FILL_POLL_MILLIS)));
			if (Thread.interrupted()) {
				return;
			}
		}
	}

	private void write(List<UsageEvent> batch) {
		long backoff = this.settings.initialBackoff().toNanos();
		while (true) {
			long start = System.nanoTime();
			try {
				insert(batch);
				this.batches.increment();
				this.batchNanos.add(System.nanoTime() - start);
				completed(batch.size());
				return;
			}
			catch (DataIntegrityViolationException ex) {
				// Not a duplicate (the store skips those): a row the database refuses, which no retry
				// can fix. Find it by writing one at a time so the rest of the batch still lands.
				if (batch.size() > 1) {
					for (UsageEvent event : batch) {
						write(List.of(event));
					}
					return;
				}
				this.rejected.increment();
				this.listeners.forEach((listener) -> listener.discarded(batch.get(0)));
				completed(1);
				logger.error("Metering ledger refused an event (tenant '" + batch.get(0).tenantId() + "', meter '"
						+ batch.get(0).meter() + "', id " + batch.get(0).eventId() + "): not written", ex);
				return;
			}
			catch (RuntimeException ex) {
				if (this.abandoned) {
					batch.forEach((event) -> this.listeners.forEach((listener) -> listener.discarded(event)));
					return;
				}
				this.retries.increment();
				long wait = backoff;
				this.retryLog.warn(() -> "Metering ledger write failed (" + ex.getMessage() + "); retrying "
						+ batch.size() + " events in " + Duration.ofNanos(wait).toMillis() + " ms, " + this.pending.get()
						+ " waiting");
				try {
					TimeUnit.NANOSECONDS.sleep(wait);
				}
				catch (InterruptedException interrupted) {
					if (this.abandoned) {
						batch.forEach((event) -> this.listeners.forEach((listener) -> listener.discarded(event)));
						return;
					}
				}
				backoff = Math.min(backoff * 2, this.settings.maxBackoff().toNanos());
			}
		}
	}

	/** One insert transaction, announced to the listeners before it starts and after it ends. */
	private void insert(List<UsageEvent> batch) {
		List<UsageEvent> events = List.copyOf(batch);
		this.listeners.forEach((listener) -> listener.writing(events));
		InsertResult result;
		try {
			result = this.store.insert(events, this.clock.instant());
		}
		catch (RuntimeException | Error ex) {
			this.listeners.forEach((listener) -> listener.failed(events));
			throw ex;
		}
		account(result);
		this.listeners.forEach((listener) -> listener.written(events));
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

	private void account(InsertResult result) {
		this.written.add(result.inserted());
		this.duplicates.add(result.duplicates());
	}

	private void completed(int events) {
		if (this.pending.addAndGet(-events) <= 0 || this.flushRequests > 0) {
			synchronized (this.progress) {
				this.progress.notifyAll();
			}
		}
	}

}
