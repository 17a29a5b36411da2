package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.metering.rollup.UsageReader;

/**
 * Ledger usage of (scope, meter, window), read through the {@link UsageReader} and cached in
 * Caffeine: a reading older than the usage TTL is refreshed in the background on its next use
 * while the old one keeps serving, so a warm check never waits on JDBC. Only a cold miss reads
 * on the caller's thread.
 * <p>
 * Each reading carries the writer sequence of {@link LocalUsage} at which it is known to
 * contain every batch this instance committed. A read that overlapped a batch in flight cannot
 * tell whether it saw that batch; it is retried, and if it stays ambiguous it is labelled with
 * the sequence before it started, so the overlapping batches are counted from memory as well
 * (counted twice until the next clean read: never less than the truth).
 */
public class LedgerReadings {

	private static final int ATTEMPTS = 3;

	/** A bound on one read of the ledger (three attempts), for how long local usage is kept. */
	private static final Duration MAXIMUM_READ = Duration.ofMinutes(1);

	/** The longest a read waits for the writer's batch in flight to finish before it starts. */
	private static final long WAIT_FOR_WRITER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

	private final UsageReader reader;

	private final LocalUsage local;

	private final LoadingCache<Key, Reading> cache;

	/** Bumped after every invalidation, for readings held outside the cache. */
	private final java.util.concurrent.atomic.AtomicLong invalidations = new java.util.concurrent.atomic.AtomicLong();

	/**
	 * Creates the cache.
	 * @param reader the ledger reader
	 * @param local this instance's write progress
	 * @param ttl how long a reading serves before it is refreshed in the background
	 * @param maximumSize the most readings kept
	 * @param executor runs background refreshes
	 */
	public LedgerReadings(UsageReader reader, LocalUsage local, Duration ttl, long maximumSize, Executor executor) {
		this(reader, local, ttl, maximumSize, executor, Ticker.systemTicker());
	}

	LedgerReadings(UsageReader reader, LocalUsage local, Duration ttl, long maximumSize, Executor executor,
			Ticker ticker) {
		this.reader = reader;
		this.local = local;
		// An idle reading is dropped after a while, a window that has ended is never read again.
		Duration idle = ttl.multipliedBy(20).compareTo(Duration.ofMinutes(10)) > 0 ? ttl.multipliedBy(20)
				: Duration.ofMinutes(10);
		// Never served older than 'idle' either: local usage keeps what such a reading lacks only that long.
		local.retainCommittedFor(idle.plus(MAXIMUM_READ));
		this.cache = Caffeine.newBuilder()
			.maximumSize(maximumSize)
			.refreshAfterWrite(ttl)
			.expireAfterAccess(idle)
			.expireAfterWrite(idle)
			.executor(executor)
			.ticker(ticker)
			.build(this::read);
	}

	/**
	 * The reading of one window, from the cache when present.
	 * @param key the scope, meter and window
	 * @return the reading
	 * @throws RuntimeException when a cold miss cannot read the ledger
	 */
	public Reading get(Key key) {
		return this.cache.get(key);
	}

	/** Forgets every reading: the next check of each key reads the ledger again. */
	void invalidateAll() {
		this.cache.invalidateAll();
		this.invalidations.incrementAndGet();
	}

	/**
	 * How many invalidations were made: a reading held outside the cache is not used once it
	 * changed.
	 * @return the count
	 */
	long invalidations() {
		return this.invalidations.get();
	}

	/**
	 * Forgets every reading of one scope, so its next check reads the ledger (a runtime quota
	 * change of that scope).
	 * @param scope the scope
	 */
	public void invalidateScope(String scope) {
		this.cache.asMap().keySet().removeIf((key) -> key.scope().equals(scope));
		this.invalidations.incrementAndGet();
	}

	private Reading read(Key key) {
		Reading reading = null;
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			awaitNoWriteInFlight();
			long before = this.local.sequence();
			boolean idleBefore = this.local.writesInFlight() == 0;
			BigDecimal value = this.reader.tenantUsage(key.scope(), key.meter(), key.start(), key.end());
			boolean idleAfter = this.local.writesInFlight() == 0;
			boolean clean = idleBefore && idleAfter && this.local.sequence() == before;
			reading = new Reading(value, before, clean);
			if (clean) {
				return reading;
			}
		}
		return reading;
	}

	/** A read that overlaps a batch cannot be clean: start between batches when possible. */
	private void awaitNoWriteInFlight() {
		long deadline = System.nanoTime() + WAIT_FOR_WRITER_NANOS;
		while (this.local.writesInFlight() > 0 && System.nanoTime() < deadline) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}
	}

	/**
	 * A window of one scope's meter.
	 *
	 * @param scope the scope (tenant)
	 * @param meter the meter
	 * @param window the window kind
	 * @param start the window's start
	 * @param end the window's end (the scope's calendar decides it)
	 */
	public record Key(String scope, String meter, QuotaWindow window, Instant start, Instant end) {
	}

	/**
	 * Ledger usage of a window.
	 *
	 * @param value the exact ledger sum at the time of the read
	 * @param sequence every batch of this instance with a sequence up to this one is contained
	 * @param clean whether no batch overlapped the read (later batches are then not contained)
	 */
	public record Reading(BigDecimal value, long sequence, boolean clean) {
	}

}
