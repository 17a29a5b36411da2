package dev.metering.api;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.metering.billing.RecordedEvents;
import dev.metering.event.UsageEvent;

/**
 * Looks up which idempotency keys of a request the ledger already holds, as one bounded
 * operation: every key of the request on one connection, off the request thread, waited for at
 * most the timeout. When the database does not answer in time (an outage: a connection can take
 * the pool's whole connection timeout), or both look-up threads are still busy with earlier
 * ones, the answer is "unknown" at once, and the events go to the writer unchecked: its unique
 * (tenant, idempotency key) index still keeps each key once.
 */
final class IdempotencyLookup {

	private static final Log logger = LogFactory.getLog(IdempotencyLookup.class);

	/** Few threads, no queue: when the database hangs, a request waits for a thread no longer than for a look-up. */
	private static final int THREADS = 2;

	private static final long WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private final RecordedEvents recorded;

	private final Duration timeout;

	private final ThreadPoolExecutor executor;

	/** When the next warning may be logged: one per interval during an outage, not one per request. */
	private final AtomicLong nextWarning = new AtomicLong(System.nanoTime());

	IdempotencyLookup(RecordedEvents recorded, Duration timeout) {
		this.recorded = recorded;
		this.timeout = timeout;
		AtomicInteger threads = new AtomicInteger();
		this.executor = new ThreadPoolExecutor(0, THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
				(task) -> {
					Thread thread = new Thread(task, "metering-idempotency-lookup-" + threads.incrementAndGet());
					thread.setDaemon(true);
					return thread;
				}, new ThreadPoolExecutor.AbortPolicy());
	}

	/**
	 * The recorded event id of every idempotency key of the events that the ledger holds.
	 * @param events the request's events
	 * @return the ids by tenant and key, or empty when the ledger could not be asked in time
	 */
	Optional<Map<Key, UUID>> recorded(List<UsageEvent> events) {
		Map<String, Set<String>> keysByTenant = new LinkedHashMap<>();
		for (UsageEvent event : events) {
			if (event.idempotencyKey() != null) {
				keysByTenant.computeIfAbsent(event.tenantId(), (t) -> new LinkedHashSet<>()).add(event.idempotencyKey());
			}
		}
		if (keysByTenant.isEmpty()) {
			return Optional.of(Map.of());
		}
		Future<Map<Key, UUID>> lookUp;
		try {
			lookUp = this.executor.submit(() -> {
				Map<Key, UUID> found = new HashMap<>();
				keysByTenant.forEach((tenant, keys) -> this.recorded.byIdempotencyKeys(tenant, keys)
					.forEach((key, id) -> found.put(new Key(tenant, key), id)));
				return found;
			});
		}
		catch (RejectedExecutionException ex) {
			unavailable("earlier look-ups are still waiting for the database");
			return Optional.empty();
		}
		try {
			return Optional.of(lookUp.get(this.timeout.toNanos(), TimeUnit.NANOSECONDS));
		}
		catch (TimeoutException ex) {
			lookUp.cancel(true);
			unavailable("the database did not answer within " + this.timeout
					+ " (metering.api.idempotency-lookup-timeout)");
		}
		catch (ExecutionException ex) {
			unavailable("the look-up failed: " + ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return Optional.empty();
	}

	private void unavailable(String why) {
		long now = System.nanoTime();
		long next = this.nextWarning.get();
		if (now - next >= 0 && this.nextWarning.compareAndSet(next, now + WARNING_INTERVAL_NANOS)) {
			logger.warn("Usage API: idempotency keys accepted without checking the ledger, " + why
				+ "; the ledger still keeps each key once");
		}
	}

	/** A tenant's idempotency key. */
	record Key(String tenant, String idempotencyKey) {
	}

}
