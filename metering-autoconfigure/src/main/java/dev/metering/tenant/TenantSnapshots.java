package dev.metering.tenant;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The tenant definitions as one {@link TenantSnapshot}, read in bulk and replaced as a whole. A
 * snapshot older than the TTL serves while the next one is read in the background (one read at a
 * time); a change ({@link #invalidate()}) makes the next look-up read a new one on its thread, so
 * whoever made the change sees it. A read that fails never fails a look-up: the snapshot held
 * serves, else one of the configured definitions, and the read is tried again in the background
 * after at most a second. Above {@code maxTenants} definitions no snapshot is kept: the directory
 * then looks tenants up one by one (memory stays bounded by its per-key caches).
 */
final class TenantSnapshots {

	private static final Log logger = LogFactory.getLog(TenantSnapshots.class);

	private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private static final long MAXIMUM_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final Supplier<Collection<TenantDefinition>> reader;

	private final @Nullable Supplier<Collection<TenantDefinition>> configured;

	private final int maxDepth;

	private final long maxTenants;

	private final long ttlNanos;

	private final long retryNanos;

	private final Executor executor;

	/** Counts changes: a read begun before one is not kept. */
	private final AtomicLong generation = new AtomicLong();

	private final AtomicBoolean refreshing = new AtomicBoolean();

	private final LongAdder failures = new LongAdder();

	private final LongAdder reads = new LongAdder();

	private final AtomicLong nextLog = new AtomicLong(System.nanoTime());

	private final Object installLock = new Object();

	private volatile @Nullable State state;

	TenantSnapshots(Supplier<Collection<TenantDefinition>> reader,
			@Nullable Supplier<Collection<TenantDefinition>> configured, int maxDepth, long maxTenants, Duration ttl,
			Executor executor) {
		this.reader = reader;
		this.configured = configured;
		this.maxDepth = maxDepth;
		this.maxTenants = maxTenants;
		this.ttlNanos = Math.max(1, ttl.toNanos());
		this.retryNanos = Math.min(this.ttlNanos, MAXIMUM_RETRY_NANOS);
		this.executor = executor;
	}

	/**
	 * The current snapshot, read on this thread the first time and after a change.
	 * @return the snapshot, or {@code null} when there are more definitions than it may hold
	 */
	@Nullable TenantSnapshot current() {
		State current = this.state;
		if (current == null || current.generation() != this.generation.get()) {
			current = readOnThisThread();
		}
		else if (System.nanoTime() - current.refreshAt() >= 0) {
			refreshInBackground();
		}
		return current.snapshot();
	}

	/** A change was made: the next look-up reads a new snapshot. */
	void invalidate() {
		this.generation.incrementAndGet();
	}

	/**
	 * Reads a new snapshot in the background; the one held serves meanwhile, and on if it fails.
	 * @return completes when the read is done
	 */
	CompletableFuture<Void> refresh() {
		return CompletableFuture.runAsync(this::readAndInstall, this.executor);
	}

	long loadFailures() {
		return this.failures.sum();
	}

	/** How many times the definitions were read in bulk. */
	long reads() {
		return this.reads.sum();
	}

	private synchronized State readOnThisThread() {
		State held = this.state;
		if (held != null && held.generation() == this.generation.get()) {
			// Another thread read it meanwhile.
			return held;
		}
		return readAndInstall();
	}

	private void refreshInBackground() {
		if (!this.refreshing.compareAndSet(false, true)) {
			return;
		}
		try {
			this.executor.execute(() -> {
				try {
					readAndInstall();
				}
				finally {
					this.refreshing.set(false);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			this.refreshing.set(false);
		}
	}

	private State readAndInstall() {
		long generation = this.generation.get();
		try {
			State read = new State(snapshotOf(this.reader.get()), generation, System.nanoTime() + this.ttlNanos);
			this.reads.increment();
			install(read);
			return read;
		}
		catch (RuntimeException ex) {
			State held = this.state;
			if (held == null && this.configured == null) {
				throw ex;
			}
			failed(ex, (held != null) ? "the hierarchy read before serves" : "the configured hierarchy serves");
			// Served as if current, and read again soon, in the background.
			State serving = new State((held != null) ? held.snapshot() : snapshotOf(this.configured.get()),
					generation, System.nanoTime() + this.retryNanos);
			install(serving);
			return serving;
		}
	}

	private @Nullable TenantSnapshot snapshotOf(Collection<TenantDefinition> definitions) {
		return (definitions.size() > this.maxTenants) ? null : TenantSnapshot.of(definitions, this.maxDepth);
	}

	private void install(State read) {
		synchronized (this.installLock) {
			// A change made while this was read: the next look-up reads again.
			if (this.generation.get() == read.generation()) {
				this.state = read;
			}
		}
	}

	private void failed(RuntimeException ex, String serving) {
		this.failures.increment();
		long now = System.nanoTime();
		long next = this.nextLog.get();
		if (now - next >= 0 && this.nextLog.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
			logger.warn("Could not read the tenant hierarchy; " + serving + " (" + this.failures.sum()
					+ " failed reads so far, logged at most every 10 s): " + ex);
		}
	}

	/**
	 * A snapshot and when it is read again.
	 * @param snapshot the definitions, or {@code null} when there are too many to hold
	 * @param generation the count of changes it was read after
	 * @param refreshAt when a look-up starts the next read ({@link System#nanoTime()})
	 */
	private record State(@Nullable TenantSnapshot snapshot, long generation, long refreshAt) {
	}

}
