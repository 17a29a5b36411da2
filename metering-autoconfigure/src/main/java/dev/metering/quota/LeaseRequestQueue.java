package dev.metering.quota;

import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The lease requests of every budget, worked off by a single drainer: concurrent cold checks of
 * many tenants share one connection and one thread instead of taking one each. A budget is
 * queued at most once at a time; a check that needs more while it is queued raises what the
 * queued request asks for.
 */
final class LeaseRequestQueue {

	private final Executor executor;

	private final Consumer<LeaseBudget> refill;

	private final ConcurrentLinkedQueue<LeaseBudget> pending = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean draining = new AtomicBoolean();

	LeaseRequestQueue(Executor executor, Consumer<LeaseBudget> refill) {
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

	/** Works off every queued lease request on one thread, then looks again for late arrivals. */
	private void drain() {
		try {
			LeaseBudget budget;
			while ((budget = this.pending.poll()) != null) {
				CompletableFuture<Void> done = budget.request;
				try {
					this.refill.accept(budget);
				}
				finally {
					budget.requested.set(false);
					done.complete(null);
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

}
