package dev.metering.internal.cache;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A Caffeine cache of definitions read from the database that the request path can always be
 * answered from. A value older than the TTL is reloaded in the background while it keeps serving;
 * a reload that fails keeps it. A load on the caller's thread (a key never seen, or evicted by a
 * change) that fails is answered with the last value loaded for the key, else with the fallback
 * (the configured definitions), and retried in the background shortly after, until it succeeds.
 * Failures are counted and logged at most once every {@value #LOG_INTERVAL_SECONDS} seconds.
 * <p>
 * Not API: public only for the kit's own packages.
 *
 * @param <K> the key
 * @param <V> the value
 */
public final class FallbackCache<K, V> {

	private static final Log logger = LogFactory.getLog(FallbackCache.class);

	private static final long LOG_INTERVAL_SECONDS = 10;

	/** The longest a fallback value serves before its key is read again. */
	private static final Duration MAXIMUM_RETRY_DELAY = Duration.ofSeconds(1);

	private final String name;

	private final Function<K, V> source;

	private final @Nullable Function<K, V> fallback;

	private final LoadingCache<K, V> cache;

	/** The last value each key was loaded with, kept past its eviction from {@link #cache}. */
	private final Cache<K, V> lastLoaded;

	/** Keys whose value is not what the source said but a fallback: retried until read. */
	private final Set<K> servingFallback = ConcurrentHashMap.newKeySet();

	private final Executor retries;

	private final LongAdder failures = new LongAdder();

	private final AtomicLong nextLog = new AtomicLong(System.nanoTime());

	/** How many invalidations were made: what a holder of values read earlier compares. */
	private final AtomicLong invalidations = new AtomicLong();

	/**
	 * Creates the cache.
	 * @param name what it holds, for the log
	 * @param source reads a value (from the database)
	 * @param fallback the value of a key that was never loaded when the source fails, or
	 * {@code null} to let that failure through to the caller
	 * @param ttl how long a value serves before it is reloaded in the background
	 * @param maximumSize the most keys kept
	 * @param executor runs background reloads
	 */
	public FallbackCache(String name, Function<K, V> source, @Nullable Function<K, V> fallback, Duration ttl,
			long maximumSize, Executor executor) {
		this.name = name;
		this.source = source;
		this.fallback = fallback;
		this.cache = Caffeine.newBuilder()
			.maximumSize(maximumSize)
			.refreshAfterWrite(ttl)
			.executor(executor)
			.build(new Loader());
		this.lastLoaded = Caffeine.newBuilder().maximumSize(maximumSize).build();
		Duration delay = (ttl.compareTo(MAXIMUM_RETRY_DELAY) < 0) ? ttl : MAXIMUM_RETRY_DELAY;
		this.retries = CompletableFuture.delayedExecutor(Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS,
				executor);
	}

	/**
	 * The value of a key: from memory when held, else loaded on this thread (never failing when
	 * there is a fallback).
	 * @param key the key
	 * @return the value
	 */
	public V get(K key) {
		return this.cache.get(key);
	}

	/**
	 * Forgets a key: its next use loads it (a change was made). Should that load fail, the value
	 * forgotten here still serves.
	 * @param key the key
	 */
	public void invalidate(K key) {
		this.servingFallback.remove(key);
		this.cache.invalidate(key);
		// After the key is gone: whoever read the count before holds values that may be stale.
		this.invalidations.incrementAndGet();
	}

	/** Forgets every key: each is loaded on its next use. */
	public void invalidateAll() {
		this.servingFallback.clear();
		this.cache.invalidateAll();
		this.invalidations.incrementAndGet();
	}

	/**
	 * How many times a key or every key was invalidated so far: values read after this count was
	 * read are current as long as it stays the same (reloads after the TTL aside).
	 * @return the count
	 */
	public long invalidations() {
		return this.invalidations.get();
	}

	/**
	 * Reloads every key held in the background; each keeps serving its value meanwhile, and keeps
	 * it should its reload fail.
	 * @return completes when every reload is done
	 */
	public CompletableFuture<Void> refreshAll() {
		List<K> keys = List.copyOf(this.cache.asMap().keySet());
		return this.cache.refreshAll(keys).thenApply((values) -> null);
	}

	/**
	 * How many loads failed so far (each answered with what was held or the fallback).
	 * @return the count
	 */
	public long loadFailures() {
		return this.failures.sum();
	}

	private V read(K key) {
		V value = this.source.apply(key);
		if (value != null) {
			this.lastLoaded.put(key, value);
		}
		this.servingFallback.remove(key);
		return value;
	}

	private void failed(K key, RuntimeException ex, String serving) {
		this.failures.increment();
		long now = System.nanoTime();
		long next = this.nextLog.get();
		if (now - next >= 0 && this.nextLog.compareAndSet(next, now + TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS))) {
			logger.warn("Could not read the " + this.name + " of '" + key + "'; " + serving + " ("
					+ this.failures.sum() + " failed reads so far, logged at most every " + LOG_INTERVAL_SECONDS
					+ " s): " + ex);
		}
	}

	private void retryLater(K key) {
		this.servingFallback.add(key);
		this.retries.execute(() -> {
			if (this.servingFallback.contains(key) && this.cache.asMap().containsKey(key)) {
				this.cache.refresh(key);
			}
		});
	}

	private final class Loader implements CacheLoader<K, V> {

		@Override
		public V load(K key) {
			try {
				return read(key);
			}
			catch (RuntimeException ex) {
				V held = FallbackCache.this.lastLoaded.getIfPresent(key);
				if (held == null && FallbackCache.this.fallback == null) {
					throw ex;
				}
				failed(key, ex, (held != null) ? "the value read before serves" : "the configured value serves");
				retryLater(key);
				return (held != null) ? held : FallbackCache.this.fallback.apply(key);
			}
		}

		@Override
		public V reload(K key, V oldValue) {
			try {
				return read(key);
			}
			catch (RuntimeException ex) {
				failed(key, ex, "the value held serves");
				if (FallbackCache.this.servingFallback.contains(key)) {
					retryLater(key);
				}
				return oldValue;
			}
		}

	}

}
