package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.quota.HardQuotaBudgets.WindowKey;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaWindow;
import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantCalendars;
import dev.metering.rollup.UsageReader;

import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.TransientDataAccessException;

/**
 * The database side of one instance's leases: grants chunks into budgets, reclaims expired
 * leases of others when refused, renews, and gives budget back. Every round trip is counted.
 * <p>
 * A batch of lease requests ({@link #refillAll}) is served with a fixed number of statements
 * whatever its size: one read of the allocations of the windows this instance knows nothing of,
 * one grouped ledger read per (meter, window) and one multi-row insert for the windows no
 * instance has asked for yet, and one conditional multi-row grant (update, read of what it
 * granted, lease upsert). The budgets it could not grant are answered from one re-read of their
 * allocations ({@link #refuse}); only one that could be granted now, or whose last
 * reconciliation is a lease expiry old, takes the one-window path ({@link #refill}), which
 * reclaims expired leases.
 * <p>
 * Over 350 lines: every statement sequence of a lease (batch and one-window grants, reclaim,
 * renewal, give-back) shares the round-trip accounting and the allocation rules.
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

	private final TenantCalendars calendars;

	/** Cold shares, when on: every row created reserves each position's share. */
	@Nullable ColdShares shares;

	LeaseGrants(QuotaLeaseStore store, UsageReader reader, Clock clock, LeaseSettings settings,
			QuotaObserver observer, LeaseChunks chunks, String instance, TenantCalendars calendars) {
		this.calendars = calendars;
		this.store = store;
		this.reader = reader;
		this.clock = clock;
		this.settings = settings;
		this.observer = observer;
		this.chunks = chunks;
		this.instance = instance;
	}

	/**
	 * Serves a batch of lease requests together. What the batch could not serve but may be
	 * grantable now (the re-read of a refusal showed room, or another instance changed the row
	 * between the read and the grant) gets a second batch with what was read; only what that
	 * cannot serve either goes one by one (which reconciles expired leases).
	 */
	void refillAll(List<LeaseBudget> budgets) {
		ColdShares shares = this.shares;
		if (shares != null) {
			budgets = settle(shares, budgets);
		}
		List<LeaseBudget> live = new ArrayList<>(budgets.size());
		List<LeaseBudget> alone = new ArrayList<>();
		Set<WindowKey> seen = new HashSet<>();
		for (LeaseBudget budget : budgets) {
			if (budget.state.get() != LeaseBudget.RETIRED) {
				(seen.add(budget.key) ? live : alone).add(budget);
			}
		}
		List<LeaseBudget> again = new ArrayList<>();
		grantInParts(live, again, alone);
		List<LeaseBudget> left = new ArrayList<>();
		grantInParts(again, left, alone);
		alone.addAll(left);
		for (LeaseBudget budget : alone) {
			refill(budget);
		}
	}

	/**
	 * Settles the provisional budgets first (their share becomes this instance's lease); one that
	 * no check waits for is done then, and one whose settlement failed is not granted anything.
	 * @return the budgets to lease for the usual way
	 */
	private List<LeaseBudget> settle(ColdShares shares, List<LeaseBudget> budgets) {
		List<LeaseBudget> open = new ArrayList<>();
		for (LeaseBudget budget : budgets) {
			if (budget.provisional) {
				open.add(budget);
			}
		}
		if (open.isEmpty()) {
			return budgets;
		}
		shares.settle(open, this.instance, this.clock.millis() + this.settings.expiry().toMillis());
		Set<LeaseBudget> settled = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
		settled.addAll(open);
		List<LeaseBudget> rest = new ArrayList<>(budgets.size());
		for (LeaseBudget budget : budgets) {
			boolean wasOpen = settled.contains(budget);
			if (!budget.provisional && (!wasOpen || budget.needed.get().signum() > 0)) {
				rest.add(budget);
			}
		}
		return rest;
	}

	/** Settles provisional budgets outside a lease batch (maintenance, close). */
	void settle(List<LeaseBudget> budgets) {
		ColdShares shares = this.shares;
		if (shares != null && !budgets.isEmpty()) {
			shares.settle(budgets, this.instance, this.clock.millis() + this.settings.expiry().toMillis());
		}
	}

	/**
	 * Grants in parts of one statement's rows each: what a part was granted is applied before
	 * the next part asks, so a part that fails loses nothing another part was granted.
	 * @param unserved receives what the batch did not serve
	 * @param alone receives what goes one by one whatever happens (a part a deadlock rolled back)
	 */
	private void grantInParts(List<LeaseBudget> budgets, List<LeaseBudget> unserved, List<LeaseBudget> alone) {
		int rows = LeaseBatchStore.ROWS_PER_STATEMENT;
		for (int from = 0; from < budgets.size(); from += rows) {
			List<LeaseBudget> part = budgets.subList(from, Math.min(budgets.size(), from + rows));
			try {
				unserved.addAll(grantAll(part));
			}
			catch (TransientDataAccessException ex) {
				// A deadlock or lock timeout between instances' batches: one by one instead.
				alone.addAll(part);
			}
			catch (RuntimeException ex) {
				for (LeaseBudget budget : part) {
					failed(budget, ex);
				}
			}
		}
	}

	/** @return the budgets the batch did not serve, their needs put back */
	private List<LeaseBudget> grantAll(List<LeaseBudget> budgets) {
		if (budgets.isEmpty()) {
			return List.of();
		}
		Set<WindowKey> fresh = new HashSet<>();
		Map<WindowKey, BigDecimal> unallocated = unallocatedOf(budgets, fresh);
		List<LeaseBudget> rest = new ArrayList<>();
		List<LeaseBudget> refused = new ArrayList<>();
		Map<LeaseBudget, BigDecimal> needs = new HashMap<>();
		Map<WindowKey, LeaseBudget> asking = new LinkedHashMap<>();
		List<LeaseBatchStore.BatchGrant> grants = new ArrayList<>();
		for (LeaseBudget budget : budgets) {
			LeaseBudget.State s = budget.state.get();
			BigDecimal needed = budget.needed.getAndSet(BigDecimal.ZERO);
			needs.put(budget, needed);
			if (s == LeaseBudget.RETIRED) {
				rest.add(budget);
				continue;
			}
			BigDecimal free = unallocated.get(budget.key);
			BigDecimal amount = amount(budget, needed, free);
			if (amount.signum() <= 0 || amount.compareTo(free) > 0) {
				refused.add(budget);
				continue;
			}
			asking.put(budget.key, budget);
			grants.add(new LeaseBatchStore.BatchGrant(budget.key, amount, budget.limit));
		}
		long expires = this.clock.millis() + this.settings.expiry().toMillis();
		Map<WindowKey, BigDecimal> granted;
		try {
			granted = grants.isEmpty() ? Map.of() : this.store.batches().grantAll(grants, this.instance, expires);
		}
		catch (RuntimeException ex) {
			// Nothing of it was granted (one transaction): the waiting checks' needs stay asked for.
			needs.forEach((budget, needed) -> budget.needed.accumulateAndGet(needed, BigDecimal::max));
			throw ex;
		}
		if (!grants.isEmpty()) {
			this.observer.leaseRoundTrip();
		}
		for (LeaseBatchStore.BatchGrant grant : grants) {
			LeaseBudget budget = asking.get(grant.key());
			BigDecimal after = granted.get(grant.key());
			if (after == null) {
				// Another instance changed the row since it was read: the next batch reads it again.
				budget.allocationKnown = false;
				rest.add(budget);
				continue;
			}
			budget.unknown = false;
			budget.allocationKnown = true;
			budget.leased(expires, this.clock.millis());
			this.chunks.measureRate(budget);
			if (!budget.add(grant.amount(), budget.limit.subtract(after).max(BigDecimal.ZERO))) {
				giveBack(budget, grant.amount());
				continue;
			}
			budget.lowWater = grant.amount().divide(TWO, 0, RoundingMode.UP);
			this.observer.leaseGranted(grant.amount());
		}
		rest.addAll(refuse(refused, unallocated, fresh, needs));
		for (LeaseBudget budget : rest) {
			budget.needed.accumulateAndGet(needs.getOrDefault(budget, BigDecimal.ZERO), BigDecimal::max);
		}
		return rest;
	}

	/** What a lease request of the budget asks for: its deficit and a chunk, within what is free. */
	private BigDecimal amount(LeaseBudget budget, BigDecimal needed, BigDecimal free) {
		LeaseBudget.State s = budget.state.get();
		BigDecimal available = (s != null && s != LeaseBudget.RETIRED) ? s.available() : BigDecimal.ZERO;
		BigDecimal deficit = needed.subtract(available).max(available.negate()).max(BigDecimal.ZERO);
		return this.chunks.chunk(budget, deficit, free);
	}

	/**
	 * Answers the budgets a batch could not grant from what their allocations hold now (read
	 * again in one statement unless this batch read them): a refusal holds off asking again for
	 * {@code retry-interval}. A waiting budget not reconciled for a lease expiry, or one that
	 * could be granted now, goes the one-window way (which reclaims expired leases).
	 * @return the budgets for the one-window way
	 */
	private List<LeaseBudget> refuse(List<LeaseBudget> refused, Map<WindowKey, BigDecimal> unallocated,
			Set<WindowKey> fresh, Map<LeaseBudget, BigDecimal> needs) {
		if (refused.isEmpty()) {
			return List.of();
		}
		List<WindowKey> stale = new ArrayList<>();
		for (LeaseBudget budget : refused) {
			if (!fresh.contains(budget.key)) {
				stale.add(budget.key);
			}
		}
		Map<WindowKey, QuotaLeaseStore.Allocation> now = stale.isEmpty() ? Map.of()
				: this.store.batches().allocations(stale);
		if (!stale.isEmpty()) {
			this.observer.leaseRoundTrip();
		}
		long nowMillis = this.clock.millis();
		List<LeaseBudget> alone = new ArrayList<>();
		for (LeaseBudget budget : refused) {
			BigDecimal needed = needs.getOrDefault(budget, BigDecimal.ZERO);
			QuotaLeaseStore.Allocation allocation = now.get(budget.key);
			BigDecimal free;
			if (fresh.contains(budget.key)) {
				free = unallocated.get(budget.key).max(BigDecimal.ZERO);
			}
			else if (allocation != null) {
				free = budget.limit.subtract(allocation.granted()).max(BigDecimal.ZERO);
			}
			else {
				alone.add(budget);
				continue;
			}
			BigDecimal amount = amount(budget, needed, free);
			boolean grantable = amount.signum() > 0 && amount.compareTo(free) <= 0;
			boolean reconcileDue = needed.signum() > 0
					&& nowMillis - budget.reconciledAtMillis >= this.settings.expiry().toMillis();
			if (grantable || reconcileDue) {
				if (grantable) {
					// What was read goes with it: the next batch asks for it without reading again.
					budget.add(BigDecimal.ZERO, free);
					budget.allocationKnown = true;
				}
				alone.add(budget);
				continue;
			}
			budget.add(BigDecimal.ZERO, free);
			budget.allocationKnown = true;
			budget.unknown = false;
			if (needed.signum() > 0) {
				budget.retryAtMillis = nowMillis + this.settings.retryInterval().toMillis();
			}
		}
		return alone;
	}

	/**
	 * What no instance holds of each budget's window: as last known for a warm budget; for a
	 * cold one read in one statement, and for a window no instance asked for yet created from
	 * one grouped ledger read per (meter, window).
	 */
	private Map<WindowKey, BigDecimal> unallocatedOf(List<LeaseBudget> budgets, Set<WindowKey> fresh) {
		Map<WindowKey, BigDecimal> unallocated = new HashMap<>();
		List<WindowKey> cold = new ArrayList<>();
		Map<WindowKey, LeaseBudget> byKey = new HashMap<>();
		for (LeaseBudget budget : budgets) {
			LeaseBudget.State s = budget.state.get();
			byKey.put(budget.key, budget);
			if (s != null && s != LeaseBudget.RETIRED && budget.allocationKnown) {
				unallocated.put(budget.key, s.unallocated());
			}
			else {
				cold.add(budget.key);
			}
		}
		if (cold.isEmpty()) {
			return unallocated;
		}
		Map<WindowKey, QuotaLeaseStore.Allocation> found = this.store.batches().allocations(cold);
		this.observer.leaseRoundTrip();
		fresh.addAll(cold);
		Map<Window, List<WindowKey>> missing = new LinkedHashMap<>();
		for (WindowKey key : cold) {
			QuotaLeaseStore.Allocation allocation = found.get(key);
			if (allocation != null) {
				unallocated.put(key, byKey.get(key).limit.subtract(allocation.granted()));
			}
			else {
				missing.computeIfAbsent(new Window(key.usageMeter(), key.start(), key.end()), (w) -> new ArrayList<>())
					.add(key);
			}
		}
		if (missing.isEmpty()) {
			return unallocated;
		}
		ColdShares shares = this.shares;
		if (shares != null) {
			// Every position's share is reserved: the limit is granted whole at creation.
			Map<WindowKey, BigDecimal> limits = new LinkedHashMap<>();
			missing.values().forEach((keys) -> keys.forEach((key) -> limits.put(key, byKey.get(key).limit)));
			shares.create(limits);
			this.observer.leaseRoundTrip();
			limits.keySet().forEach((key) -> unallocated.put(key, BigDecimal.ZERO));
			return unallocated;
		}
		Map<WindowKey, BigDecimal> used = new LinkedHashMap<>();
		missing.forEach((window, keys) -> {
			Map<String, BigDecimal> usages = this.reader.tenantUsages(keys.stream().map(WindowKey::scope).toList(),
					window.meter(), window.start(), window.end());
			keys.forEach((key) -> used.put(key, usages.getOrDefault(key.scope(), BigDecimal.ZERO)));
		});
		this.store.batches().createAll(used);
		this.observer.leaseRoundTrip();
		// A window another instance created meanwhile may have less left: its grant is refused and
		// goes the one-window way, which reads the allocation again.
		used.forEach((key, usage) -> unallocated.put(key, byKey.get(key).limit.subtract(usage)));
		return unallocated;
	}

	private void failed(LeaseBudget budget, RuntimeException ex) {
		budget.unknown = true;
		budget.retryAtMillis = this.clock.millis() + this.settings.retryInterval().toMillis();
		if (logger.isWarnEnabled()) {
			logger.warn("Could not lease quota of '" + budget.key.scope() + "', meter '" + budget.key.meter() + "' ("
					+ ex.getMessage() + "); admitting from the leases held");
		}
	}

	private record Window(String meter, Instant start, Instant end) {
	}

	/** One lease request: a chunk for the budget, or what is free when refused; unknown on failure. */
	void refill(LeaseBudget budget) {
		WindowKey key = budget.key;
		try {
			LeaseBudget.State s = budget.state.get();
			if (s == LeaseBudget.RETIRED) {
				return;
			}
			BigDecimal limit = budget.limit;
			BigDecimal unallocated = (s != null && budget.allocationKnown) ? s.unallocated() : null;
			if (unallocated == null) {
				unallocated = limit.subtract(allocation(key, limit));
			}
			// Owe what was used beyond the leases, and cover what a waiting check needs.
			BigDecimal available = (s != null) ? s.available() : BigDecimal.ZERO;
			BigDecimal needed = budget.needed.getAndSet(BigDecimal.ZERO);
			BigDecimal deficit = needed.subtract(available).max(available.negate()).max(BigDecimal.ZERO);
			BigDecimal granted = grant(budget, limit, unallocated, deficit);
			if (granted == null) {
				// Refused at the last read of the allocation: reclaim expired leases, then try once more.
				budget.reconciledAtMillis = this.clock.millis();
				BigDecimal reclaimed = this.store.reconcile(key, this.clock.millis(),
						() -> this.reader.tenantUsage(key.scope(), key.usageMeter(), key.start(), key.end()));
				this.observer.leaseRoundTrip();
				if (reclaimed.signum() > 0) {
					this.observer.leaseExpired(reclaimed);
					granted = grant(budget, limit, limit.subtract(allocation(key, limit)), deficit);
				}
			}
			budget.unknown = false;
			budget.allocationKnown = true;
			if (granted == null) {
				budget.retryAtMillis = this.clock.millis() + this.settings.retryInterval().toMillis();
				BigDecimal free = limit.subtract(allocation(key, limit)).max(BigDecimal.ZERO);
				budget.add(BigDecimal.ZERO, free);
			}
		}
		catch (RuntimeException ex) {
			failed(budget, ex);
		}
	}

	/** The granted amount of a window's allocation, creating it from the ledger when new. */
	private BigDecimal allocation(WindowKey key, BigDecimal limit) {
		QuotaLeaseStore.Allocation allocation = this.store.allocation(key);
		this.observer.leaseRoundTrip();
		ColdShares shares = this.shares;
		if (allocation == null && shares != null) {
			shares.create(Map.of(key, limit));
			this.observer.leaseRoundTrip();
			allocation = this.store.allocation(key);
			this.observer.leaseRoundTrip();
		}
		else if (allocation == null) {
			BigDecimal used = this.reader.tenantUsage(key.scope(), key.usageMeter(), key.start(), key.end());
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
				budget.leased(expires, this.clock.millis());
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
			unallocated = limit.subtract(allocation(budget.key, limit));
			amount = this.chunks.chunk(budget, deficit, unallocated);
		}
		return null;
	}

	/**
	 * Derives the allocations of a scope's open windows again from the ledger (see
	 * {@link QuotaLeaseStore#rederive}); a failure is logged and leaves them as they were.
	 */
	void rederive(String scope) {
		Instant now = this.clock.instant();
		try {
			BillingCalendar calendar = this.calendars.calendarOf(scope);
			// The month window is the longest: it starts at or before every open window of the scope.
			List<WindowKey> keys = this.store.allocationsOf(scope, QuotaWindow.MONTH.bounds(now, calendar).start(),
					calendar);
			this.observer.leaseRoundTrip();
			for (WindowKey key : keys) {
				if (!key.end().isAfter(now)) {
					continue;
				}
				// A grant or a return between its reads and its write makes it retry.
				for (int attempt = 0; attempt < 5; attempt++) {
					boolean done = this.store.rederive(key, this.clock.millis(),
							() -> this.reader.tenantUsage(key.scope(), key.usageMeter(), key.start(), key.end()));
					this.observer.leaseRoundTrip();
					if (done) {
						break;
					}
				}
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not derive the quota allocations of '" + scope + "' again (" + ex.getMessage()
					+ "); until a reconciliation they count the subtree it had");
		}
	}

	/**
	 * Renews the budgets' leases in JDBC batches, and drains each budget whose lease is gone
	 * (reclaimed by another instance after it lapsed).
	 */
	void renewAll(List<LeaseBudget> budgets, long nowMillis) {
		if (budgets.isEmpty()) {
			return;
		}
		long next = nowMillis + this.settings.expiry().toMillis();
		List<QuotaLeaseStore.Renewal> renewals = new ArrayList<>(budgets.size());
		long[] before = new long[budgets.size()];
		for (int i = 0; i < before.length; i++) {
			LeaseBudget budget = budgets.get(i);
			before[i] = budget.expiresAtMillis;
			renewals.add(new QuotaLeaseStore.Renewal(budget.key, budget.committed.get(), next));
		}
		boolean[] renewed = this.store.renewAll(renewals, this.instance, nowMillis);
		this.observer.leaseRoundTrip();
		for (int i = 0; i < renewed.length; i++) {
			LeaseBudget budget = budgets.get(i);
			if (renewed[i]) {
				budget.expiresAtMillis = next;
			}
			else {
				// Gone in the database (perhaps reclaimed): nothing it held is admitted, even if a
				// grant landed meanwhile (a lease it extended lapsed with it).
				budget.drain(false);
				budget.lapse(before[i]);
			}
		}
	}

	/**
	 * Returns amounts of many budgets' leases together: one transaction per
	 * {@value QuotaLeaseStore#RENEWALS_PER_BATCH} leases ({@link LeaseBatchStore#giveBackAll}),
	 * where one each took a transaction of its own. A part rolled back by a deadlock or lock
	 * timeout is returned lease by lease; one that failed otherwise is left to expire.
	 * @param amounts what each budget gives back
	 */
	void giveBackAll(Map<LeaseBudget, BigDecimal> amounts) {
		if (amounts.isEmpty()) {
			return;
		}
		long nowMillis = this.clock.millis();
		List<LeaseBudget> budgets = new ArrayList<>(amounts.keySet());
		int rows = QuotaLeaseStore.RENEWALS_PER_BATCH;
		for (int from = 0; from < budgets.size(); from += rows) {
			List<LeaseBudget> part = budgets.subList(from, Math.min(budgets.size(), from + rows));
			List<LeaseBatchStore.Return> returns = new ArrayList<>(part.size());
			for (LeaseBudget budget : part) {
				returns.add(new LeaseBatchStore.Return(budget.key, amounts.get(budget),
						Math.max(budget.expiresAtMillis, nowMillis)));
			}
			try {
				try {
					this.store.batches().giveBackAll(returns, this.instance);
				}
				catch (PessimisticLockingFailureException ex) {
					// Rolled back whole (a deadlock or lock timeout with another instance's batch, say a
					// settlement of cold shares): once more after a pause before going lease by lease.
					pause();
					this.store.batches().giveBackAll(returns, this.instance);
				}
				this.observer.leaseRoundTrip();
				for (LeaseBudget budget : part) {
					BigDecimal amount = amounts.get(budget);
					if (amount.signum() > 0) {
						this.observer.leaseReturned(amount);
					}
				}
			}
			catch (PessimisticLockingFailureException ex) {
				// A deadlock or lock timeout rolled it back: nothing of this part went back yet.
				for (LeaseBudget budget : part) {
					giveBack(budget, amounts.get(budget));
				}
			}
			catch (RuntimeException ex) {
				// Perhaps applied, perhaps not (a failed commit): returned again it could count
				// twice, so these leases expire and a reconciliation returns what they held.
				logger.warn("Could not give back quota of " + part.size() + " budgets: " + ex.getMessage());
			}
		}
	}

	private static void pause() {
		try {
			Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(10, 50));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
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
