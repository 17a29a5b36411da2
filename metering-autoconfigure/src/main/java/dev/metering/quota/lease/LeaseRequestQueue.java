package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The lease requests of every budget, worked off by a single drainer in batches: the drainer
 * takes every request pending and serves them together ({@link LeaseGrants#refillAll}, a fixed
 * number of statements per batch), so concurrent cold checks of many tenants share one
 * connection, one thread and one set of round trips instead of taking one each. A check waits
 * for its batch holding no connection. A budget is
 * queued at most once at a time; a check that needs more while it is queued raises what the
 * queued request asks for.
 */
final class LeaseRequestQueue {

	private final Executor executor;

	private final Consumer<List<LeaseBudget>> refill;

	private final ConcurrentLinkedQueue<LeaseBudget> pending = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean draining = new AtomicBoolean();

	private final AtomicLong batches = new AtomicLong();

	/** Requests queued and not yet taken: the linger watches it grow without walking the queue. */
	private final AtomicInteger queued = new AtomicInteger();

	private final long lingerNanos;

	/** Whether the last batch served more than one request: only then is another arrival likely soon. */
	private volatile boolean concurrent;

	LeaseRequestQueue(Executor executor, Consumer<List<LeaseBudget>> refill, long lingerNanos) {
		this.executor = executor;
		this.refill = refill;
		this.lingerNanos = lingerNanos;
	}

	/**
	 * Queues a lease request of the budget unless one is queued already.
	 * @param wanted what a waiting check needs at least (zero for a background refill)
	 * @return completed when the budget's request is done
	 */
	CompletableFuture<Void> request(LeaseBudget budget, BigDecimal wanted) {
		if (wanted.signum() > 0) {
			budget.needed.accumulateAndGet(wanted, BigDecimal::max);
		}
		if (budget.requested.compareAndSet(false, true)) {
			budget.request = new CompletableFuture<>();
			this.pending.add(budget);
			this.queued.incrementAndGet();
			drainSoon();
		}
		return budget.request;
	}

	private void drainSoon() {
		if (this.draining.compareAndSet(false, true)) {
			try {
				this.executor.execute(this::drain);
			}
			catch (RuntimeException ex) {
				this.draining.set(false);
				throw ex;
			}
		}
	}

	/** Works off every queued lease request on one thread, batch after batch, then looks again for late arrivals. */
	private void drain() {
		try {
			List<LeaseBudget> batch;
			while (!(batch = lingerThenTakeAll()).isEmpty()) {
				this.batches.incrementAndGet();
				this.concurrent = batch.size() > 1;
				try {
					this.refill.accept(batch);
				}
				finally {
					for (LeaseBudget budget : batch) {
						CompletableFuture<Void> done = budget.request;
						budget.requested.set(false);
						done.complete(null);
					}
				}
			}
		}
		finally {
			this.draining.set(false);
		}
		if (!this.pending.isEmpty()) {
			drainSoon();
		}
	}

	/**
	 * After a batch of several requests, the checks it answered are about to ask for other
	 * tenants: waiting up to the linger while requests keep arriving lets them share the next
	 * batch's statements instead of each batch carrying half of them. A lone request (the last
	 * batch served one) goes at once.
	 */
	private List<LeaseBudget> lingerThenTakeAll() {
		if (this.lingerNanos > 0 && this.concurrent) {
			long deadline = System.nanoTime() + this.lingerNanos;
			long step = Math.max(50_000, this.lingerNanos / 4);
			int before = this.queued.get();
			while (System.nanoTime() < deadline) {
				LockSupport.parkNanos(step);
				int now = this.queued.get();
				if (now == before) {
					break;
				}
				before = now;
			}
		}
		List<LeaseBudget> batch = new ArrayList<>();
		LeaseBudget budget;
		while ((budget = this.pending.poll()) != null) {
			this.queued.decrementAndGet();
			batch.add(budget);
		}
		return batch;
	}

	/** Batches worked off so far. */
	long batches() {
		return this.batches.get();
	}

	/** Requests queued and not yet taken by the drainer. */
	int pending() {
		return this.pending.size();
	}

}
