package dev.metering.quota;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.rollup.UsageReader;

/**
 * This instance's budgets of hard quotas, leased from the database ({@link QuotaLeaseStore}).
 * <p>
 * A check takes its quantity from the budget with a compare-and-set and never waits, except for
 * the first check of a window (no lease yet) or when the budget is short: then it waits, holding
 * no connection, for a lease request. Lease requests of every budget go through one queue that
 * a single drainer works off, so concurrent cold checks of many tenants share one connection and
 * one thread instead of taking one each. A budget asks for its next chunk in the background when
 * half of a chunk at its current rate is left. {@link #maintain()} renews leases, gives back
 * idle, ended and oversized budgets, and {@link #close()} gives everything back.
 */
public class QuotaLeases implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(QuotaLeases.class);

	private static final BigDecimal TWO = BigDecimal.valueOf(2);

	private static final BigDecimal SHARE_OF_REST = BigDecimal.valueOf(4);

	private final QuotaLeaseStore store;

	private final UsageReader reader;

	private final Clock clock;

	private final LongSupplier ticker;

	private final LeaseSettings settings;

	private final Executor executor;

	private final QuotaObserver observer;

	private final String instance = UUID.randomUUID().toString();

	private final ConcurrentHashMap<LeaseKey, LeaseBudget> budgets = new ConcurrentHashMap<>();

	private final ConcurrentLinkedQueue<LeaseBudget> pending = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean draining = new AtomicBoolean();

	QuotaLeases(QuotaLeaseStore store, UsageReader reader, Clock clock, LongSupplier ticker, LeaseSettings settings,
			Executor executor, QuotaObserver observer) {
		this.store = store;
		this.reader = reader;
		this.clock = clock;
		this.ticker = ticker;
		this.settings = settings;
		this.executor = executor;
		this.observer = observer;
	}

	/**
	 * Creates the leases of one instance.
	 * @param dataSource the database of the allocation and lease tables
	 * @param tables the kit's table names
	 * @param reader the ledger, for allocations of new windows and for reconciliations
	 * @param clock the clock of lease expiry
	 * @param settings lease settings
	 * @param executor runs lease requests in the background
	 * @param observer lease metrics
	 * @return the leases
	 */
	public static QuotaLeases create(javax.sql.DataSource dataSource, dev.metering.ledger.MeteringTables tables,
			UsageReader reader, Clock clock, LeaseSettings settings, Executor executor, QuotaObserver observer) {
		return new QuotaLeases(new QuotaLeaseStore(dataSource, tables), reader, clock, System::nanoTime, settings,
				executor, observer);
	}

	/**
	 * Takes a quantity of one hard policy's window.
	 * @param requireRemaining take nothing, only require that something is left
	 */
	Take take(String scope, String meter, QuotaPolicy policy, Instant windowStart, BigDecimal quantity,
			boolean requireRemaining) {
		LeaseKey key = new LeaseKey(scope, meter, policy.window(), windowStart);
		long now = this.ticker.getAsLong();
		long deadline = now + this.settings.requestTimeout().toNanos();
		BigDecimal wanted = requireRemaining ? BigDecimal.ZERO : quantity;
		boolean answered = true;
		while (true) {
			LeaseBudget budget = budget(key, policy.limit(), now);
			budget.lastUseNanos = now;
			expireLocally(budget);
			LeaseBudget.State s = budget.state.get();
			if (s == LeaseBudget.RETIRED) {
				continue;
			}
			if (s != null && (requireRemaining ? s.available().signum() > 0 : s.available().compareTo(wanted) >= 0)) {
				LeaseBudget.State after = requireRemaining ? s : budget.take(wanted);
				if (after != null) {
					refillIfLow(budget, after);
					return new Take(budget, wanted, after.remaining(), Take.Result.TAKEN);
				}
				continue;
			}
			// Short (or cold): ask the database while what is known of the rest could cover the
			// call, or when the last refusal is old enough; otherwise the answer is no.
			boolean grantable = s != null && !budget.unknown && s.unallocated().signum() > 0
					&& wanted.subtract(s.available()).compareTo(s.unallocated()) <= 0;
			if ((grantable || this.clock.millis() >= budget.retryAtMillis) && this.ticker.getAsLong() < deadline) {
				answered = awaitRequest(budget, (wanted.signum() > 0) ? wanted : BigDecimal.ONE.min(budget.limit),
						deadline);
				continue;
			}
			return refusal(budget, wanted, answered);
		}
	}

	/** Short when the database said no; unknown when it could not be asked or did not answer in time. */
	private Take refusal(LeaseBudget budget, BigDecimal wanted, boolean answered) {
		LeaseBudget.State s = budget.state.get();
		BigDecimal remaining = (s != null) ? s.remaining() : BigDecimal.ZERO;
		boolean unknown = budget.unknown || s == null || !answered;
		return new Take(budget, wanted, remaining, unknown ? Take.Result.UNKNOWN : Take.Result.SHORT);
	}

	private LeaseBudget budget(LeaseKey key, BigDecimal limit, long now) {
		LeaseBudget budget = this.budgets.get(key);
		if (budget == null || budget.state.get() == LeaseBudget.RETIRED) {
			LeaseBudget fresh = new LeaseBudget(key, limit, now);
			budget = this.budgets.compute(key,
					(k, existing) -> (existing == null || existing.state.get() == LeaseBudget.RETIRED) ? fresh
							: existing);
		}
		if (budget.limit.compareTo(limit) != 0) {
			// The quota changed at runtime: what was leased under the old limit goes back, and a
			// fresh budget asks the database under the new one (a refusal under the old one no
			// longer stands; a budget held under a higher one must not be spent).
			retire(budget);
			return budget(key, limit, now);
		}
		return budget;
	}

	/** A lease that lapsed without renewal no longer entitles this instance to anything. */
	private void expireLocally(LeaseBudget budget) {
		long expires = budget.expiresAtMillis;
		if (expires != 0 && this.clock.millis() >= expires) {
			budget.expiresAtMillis = 0;
			budget.drain(false);
		}
	}

	private void refillIfLow(LeaseBudget budget, LeaseBudget.State after) {
		if (after.available().compareTo(budget.lowWater) < 0 && after.unallocated().signum() > 0) {
			request(budget, BigDecimal.ZERO);
		}
	}

	/** Gives back a quantity that was taken and not used. */
	void giveBack(LeaseBudget budget, BigDecimal quantity) {
		if (!budget.add(quantity, null) && quantity.signum() > 0) {
			// Retired meanwhile: its remainder was returned already, so return this part on its own.
			this.executor.execute(() -> giveBackToStore(budget, quantity));
		}
	}

	/**
	 * Counts usage recorded without a check's reservation (or admitted while the database could
	 * not be asked) against the budgets of its windows.
	 * @param event the accepted event
	 */
	void unreserved(UsageEvent event) {
		for (QuotaWindow window : QuotaWindow.values()) {
			LeaseBudget budget = this.budgets.get(
					new LeaseKey(event.tenantId(), event.meter(), window, window.bounds(event.occurredAt()).start()));
			if (budget != null) {
				budget.debit(event.quantity());
				request(budget, BigDecimal.ZERO);
			}
		}
	}

	/**
	 * Notes events committed to the ledger: the lease reports them at renewal, so a
	 * reconciliation counts them from the ledger and not again from the lease.
	 * @param event a committed event
	 */
	void committed(UsageEvent event) {
		for (QuotaWindow window : QuotaWindow.values()) {
			LeaseBudget budget = this.budgets.get(
					new LeaseKey(event.tenantId(), event.meter(), window, window.bounds(event.occurredAt()).start()));
			if (budget != null) {
				budget.committed.accumulateAndGet(event.quantity(), BigDecimal::add);
			}
		}
	}

	/** Waits for a lease request of the budget; {@code false} when it did not finish in time. */
	private boolean awaitRequest(LeaseBudget budget, BigDecimal wanted, long deadline) {
		CompletableFuture<Void> request = request(budget, wanted);
		try {
			request.get(Math.max(1, deadline - this.ticker.getAsLong()), TimeUnit.NANOSECONDS);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (Exception ex) {
			// Timed out: the caller sees what the budget holds, as unknown.
			return false;
		}
	}

	private CompletableFuture<Void> request(LeaseBudget budget, BigDecimal wanted) {
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
					refill(budget);
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

	private void refill(LeaseBudget budget) {
		LeaseKey key = budget.key;
		try {
			LeaseBudget.State s = budget.state.get();
			if (s == LeaseBudget.RETIRED) {
				return;
			}
			BigDecimal limit = budget.limit;
			BigDecimal unallocated = (s != null) ? s.unallocated() : null;
			if (unallocated == null) {
				unallocated = limit.subtract(allocation(key));
			}
			// Owe what was used beyond the leases, and cover what a waiting check needs.
			BigDecimal available = (s != null) ? s.available() : BigDecimal.ZERO;
			BigDecimal needed = budget.needed.getAndSet(BigDecimal.ZERO);
			BigDecimal deficit = needed.subtract(available).max(available.negate()).max(BigDecimal.ZERO);
			BigDecimal granted = grant(budget, limit, unallocated, deficit);
			if (granted == null) {
				// Refused at the last read of the allocation: reclaim expired leases, then try once more.
				BigDecimal reclaimed = this.store.reconcile(key, this.clock.millis(),
						() -> this.reader.tenantUsage(key.scope(), key.meter(), key.start(), key.end()));
				this.observer.leaseRoundTrip();
				if (reclaimed.signum() > 0) {
					this.observer.leaseExpired(reclaimed);
					granted = grant(budget, limit, limit.subtract(allocation(key)), deficit);
				}
			}
			budget.unknown = false;
			if (granted == null) {
				budget.retryAtMillis = this.clock.millis() + this.settings.retryInterval().toMillis();
				BigDecimal free = limit.subtract(allocation(key)).max(BigDecimal.ZERO);
				budget.add(BigDecimal.ZERO, free);
			}
		}
		catch (RuntimeException ex) {
			budget.unknown = true;
			budget.retryAtMillis = this.clock.millis() + this.settings.retryInterval().toMillis();
			if (logger.isWarnEnabled()) {
				logger.warn("Could not lease quota of '" + key.scope() + "', meter '" + key.meter() + "' ("
						+ ex.getMessage() + "); admitting from the leases held");
			}
		}
	}

	/** The granted amount of a window's allocation, creating it from the ledger when new. */
	private BigDecimal allocation(LeaseKey key) {
		QuotaLeaseStore.Allocation allocation = this.store.allocation(key);
		this.observer.leaseRoundTrip();
		if (allocation == null) {
			BigDecimal used = this.reader.tenantUsage(key.scope(), key.meter(), key.start(), key.end());
			this.store.create(key, used);
			this.observer.leaseRoundTrip();
			allocation = this.store.allocation(key);
			this.observer.leaseRoundTrip();
		}
		return (allocation != null) ? allocation.granted() : BigDecimal.ZERO;
	}

	/** Asks for a chunk, and once more for what is left when someone else took part of it. */
	private @Nullable BigDecimal grant(LeaseBudget budget, BigDecimal limit, BigDecimal unallocated,
			BigDecimal deficit) {
		BigDecimal amount = chunk(budget, deficit, unallocated);
		for (int attempt = 0; attempt < 2 && amount.signum() > 0; attempt++) {
			long expires = this.clock.millis() + this.settings.expiry().toMillis();
			boolean granted = this.store.grant(budget.key, this.instance, amount, limit, expires);
			this.observer.leaseRoundTrip();
			if (granted) {
				budget.expiresAtMillis = expires;
				measureRate(budget);
				if (!budget.add(amount, unallocated.subtract(amount).max(BigDecimal.ZERO))) {
					giveBackToStore(budget, amount);
					return BigDecimal.ZERO;
				}
				// Ask for the next chunk when half of this one is left.
				budget.lowWater = amount.divide(TWO, 0, RoundingMode.UP);
				this.observer.leaseGranted(amount);
				return amount;
			}
			unallocated = limit.subtract(allocation(budget.key));
			amount = chunk(budget, deficit, unallocated);
		}
		return null;
	}

	/**
	 * A chunk: what the measured rate uses in {@code chunk-duration} (at least the initial chunk),
	 * at most a quarter of what no instance holds (so others are not starved near the limit), and
	 * at least what the deficit needs.
	 */
	private BigDecimal chunk(LeaseBudget budget, BigDecimal deficit, BigDecimal unallocated) {
		double perChunk = budget.rate * this.settings.chunkDuration().toMillis() / 1000.0;
		BigDecimal wanted = BigDecimal.valueOf(Math.ceil(perChunk)).max(this.settings.initialChunk());
		BigDecimal share = unallocated.divide(SHARE_OF_REST, 0, RoundingMode.UP).max(BigDecimal.ONE);
		BigDecimal chunk = wanted.min(share).min(unallocated.subtract(deficit).max(BigDecimal.ZERO));
		return chunk.add(deficit);
	}

	private void measureRate(LeaseBudget budget) {
		long now = this.ticker.getAsLong();
		long elapsed = now - budget.rateSinceNanos;
		if (elapsed >= TimeUnit.MILLISECONDS.toNanos(100)) {
			double consumed = budget.consumed.sumThenReset();
			budget.rate = consumed * 1e9 / elapsed;
			budget.rateSinceNanos = now;
		}
	}

	/**
	 * Renews leases that are past a third of their life, and gives back budgets that are idle,
	 * whose window has ended, or that hold more than two chunks at their current rate. Run it
	 * periodically (a third of the lease expiry or more often).
	 */
	public void maintain() {
		long nowMillis = this.clock.millis();
		long nowNanos = this.ticker.getAsLong();
		long renewBefore = this.settings.expiry().toMillis() * 2 / 3;
		for (LeaseBudget budget : this.budgets.values()) {
			try {
				boolean ended = !nowOrBefore(budget.key.end(), nowMillis);
				boolean idle = nowNanos - budget.lastUseNanos > this.settings.idleReturn().toNanos();
				if (ended || idle) {
					retire(budget);
					continue;
				}
				long expires = budget.expiresAtMillis;
				if (expires != 0 && expires - nowMillis < renewBefore) {
					long next = nowMillis + this.settings.expiry().toMillis();
					boolean renewed = this.store.renew(budget.key, this.instance, budget.committed.get(), next,
							nowMillis);
					this.observer.leaseRoundTrip();
					if (renewed) {
						budget.expiresAtMillis = next;
					}
					else {
						budget.expiresAtMillis = 0;
						budget.drain(false);
					}
				}
				LeaseBudget.State s = budget.state.get();
				if (s != null && s != LeaseBudget.RETIRED) {
					measureRate(budget);
					BigDecimal keep = chunk(budget, BigDecimal.ZERO, s.available().add(s.unallocated()))
						.multiply(TWO);
					BigDecimal excess = budget.trimTo(keep);
					if (excess.signum() > 0) {
						giveBackToStore(budget, excess);
					}
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Lease maintenance of '" + budget.key.scope() + "' failed: " + ex.getMessage());
			}
		}
	}

	private static boolean nowOrBefore(Instant end, long nowMillis) {
		return nowMillis < end.toEpochMilli();
	}

	private void retire(LeaseBudget budget) {
		this.budgets.remove(budget.key, budget);
		BigDecimal left = budget.drain(true);
		if (left != null && left.signum() != 0 && budget.expiresAtMillis != 0) {
			giveBackToStore(budget, left);
		}
	}

	private void giveBackToStore(LeaseBudget budget, BigDecimal amount) {
		try {
			long expires = Math.max(budget.expiresAtMillis, this.clock.millis());
			this.store.giveBack(budget.key, this.instance, amount, expires);
			this.observer.leaseRoundTrip();
			if (amount.signum() > 0) {
				this.observer.leaseReturned(amount);
			}
		}
		catch (RuntimeException ex) {
			// The lease expires and a reconciliation returns it to the others.
			logger.warn("Could not give back quota of '" + budget.key.scope() + "': " + ex.getMessage());
		}
	}

	/** Gives every budget back, at shutdown. */
	@Override
	public void close() {
		for (LeaseBudget budget : this.budgets.values()) {
			retire(budget);
		}
	}

	/**
	 * Budgets held, for tests and diagnostics.
	 * @return the number of windows this instance holds a budget of
	 */
	public int budgetCount() {
		return this.budgets.size();
	}

	/**
	 * The outcome of a take.
	 *
	 * @param budget the budget
	 * @param quantity what was taken
	 * @param remaining what is left for the scope, as well as this instance knows it
	 * @param result taken, short, or unknown (no lease and the database could not be asked)
	 */
	record Take(LeaseBudget budget, BigDecimal quantity, BigDecimal remaining, Result result) {

		enum Result {

			TAKEN, SHORT, UNKNOWN

		}

	}

}
