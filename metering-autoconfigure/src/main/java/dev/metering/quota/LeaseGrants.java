package dev.metering.quota;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.rollup.UsageReader;

/**
 * The database side of one instance's leases: grants chunks into budgets, reclaims expired
 * leases of others when refused, renews, and gives budget back. Every round trip is counted.
 */
final class LeaseGrants {

	private static final Log logger = LogFactory.getLog(LeaseGrants.class);

	private static final BigDecimal TWO = BigDecimal.valueOf(2);

	private final QuotaLeaseStore store;

	private final UsageReader reader;

	private final Clock clock;

	private final LeaseSettings settings;

	private final QuotaObserver observer;

	private final LeaseChunks chunks;

	private final String instance;

	LeaseGrants(QuotaLeaseStore store, UsageReader reader, Clock clock, LeaseSettings settings,
			QuotaObserver observer, LeaseChunks chunks, String instance) {
		this.store = store;
		this.reader = reader;
		this.clock = clock;
		this.settings = settings;
		this.observer = observer;
		this.chunks = chunks;
		this.instance = instance;
	}

	/** One lease request: a chunk for the budget, or what is free when refused; unknown on failure. */
	void refill(LeaseBudget budget) {
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
		BigDecimal amount = this.chunks.chunk(budget, deficit, unallocated);
		for (int attempt = 0; attempt < 2 && amount.signum() > 0; attempt++) {
			long expires = this.clock.millis() + this.settings.expiry().toMillis();
			boolean granted = this.store.grant(budget.key, this.instance, amount, limit, expires);
			this.observer.leaseRoundTrip();
			if (granted) {
				budget.expiresAtMillis = expires;
				this.chunks.measureRate(budget);
				if (!budget.add(amount, unallocated.subtract(amount).max(BigDecimal.ZERO))) {
					giveBack(budget, amount);
					return BigDecimal.ZERO;
				}
				// Ask for the next chunk when half of this one is left.
				budget.lowWater = amount.divide(TWO, 0, RoundingMode.UP);
				this.observer.leaseGranted(amount);
				return amount;
			}
			unallocated = limit.subtract(allocation(budget.key));
			amount = this.chunks.chunk(budget, deficit, unallocated);
		}
		return null;
	}

	/**
	 * Renews the budget's lease, or drains the budget when the lease is gone (reclaimed by another
	 * instance after it lapsed).
	 */
	void renew(LeaseBudget budget, long nowMillis) {
		long next = nowMillis + this.settings.expiry().toMillis();
		boolean renewed = this.store.renew(budget.key, this.instance, budget.committed.get(), next, nowMillis);
		this.observer.leaseRoundTrip();
		if (renewed) {
			budget.expiresAtMillis = next;
		}
		else {
			budget.expiresAtMillis = 0;
			budget.drain(false);
		}
	}

	/** Returns an amount of the budget's lease to the allocation; on failure the lease expires instead. */
	void giveBack(LeaseBudget budget, BigDecimal amount) {
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

}
