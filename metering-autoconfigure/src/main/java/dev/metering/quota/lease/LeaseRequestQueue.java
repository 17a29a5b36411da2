package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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

	LeaseRequestQueue(Executor executor, Consumer<List<LeaseBudget>> refill) {
		this.executor = executor;
		this.refill = refill;
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
			while (!(batch = takeAll()).isEmpty()) {
				this.batches.incrementAndGet();
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

	private List<LeaseBudget> takeAll() {
		List<LeaseBudget> batch = new ArrayList<>();
		LeaseBudget budget;
		while ((budget = this.pending.poll()) != null) {
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
