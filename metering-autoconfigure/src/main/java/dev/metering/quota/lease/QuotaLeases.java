package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.internal.cache.ShrinkingMap;
import dev.metering.quota.HardQuotaBudgets.WindowKey;
import dev.metering.quota.HardQuotaBudgets;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantCalendars;
import dev.metering.rollup.UsageReader;

/**
 * This instance's budgets of hard quotas, leased from the database ({@link QuotaLeaseStore}).
 * <p>
 * A check takes its quantity from the budget with a compare-and-set and never waits, except for
 * the first check of a window (no lease yet) or when the budget is short: then it waits, holding
 * no connection, for a lease request. Lease requests of every budget go through one queue that
 * a single drainer works off in batches, so concurrent cold checks of many tenants share one
 * connection, one thread and a fixed number of statements per batch instead of taking one each. A budget asks for its next chunk in the background when
 * half of a chunk at its current rate is left. {@link #maintain()} renews leases, gives back
 * idle, ended and oversized budgets, and {@link #close()} gives everything back.
 * <p>
 * Over 350 lines: a budget's life (check, refill, maintenance, give-back) shares the budgets and
 * the one lease-request drainer.
 */
public class QuotaLeases implements HardQuotaBudgets, AutoCloseable {

	private static final Log logger = LogFactory.getLog(QuotaLeases.class);

	private static final BigDecimal TWO = BigDecimal.valueOf(2);

	/** A budget in use for a while may stay idle up to this many times {@code idle-return}. */
	static final int RETURNING_IDLE_FACTOR = 6;

	private final Clock clock;

	private final LongSupplier ticker;

	private final LeaseSettings settings;

	private final Executor executor;

	private final LeaseChunks chunks;

	private final LeaseGrants grants;

	private final LeaseRequestQueue requests;

	/** Cold shares, when on ({@code metering.quota.lease.cold-shares}). */
	private final @Nullable ColdShares shares;

	/** Maintenance and close exclusive of each other: no maintenance statement after the close began. */
	private final java.util.concurrent.locks.ReentrantLock maintenance = new java.util.concurrent.locks.ReentrantLock();

	private volatile boolean closed;

	/** How stale a budget's last use may be: a check writes it at most once a millisecond. */
	private static final long USE_GRANULARITY_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1);

	/** Its table shrinks after maintenance gave back most budgets: memory follows the windows in use. */
	private final ShrinkingMap<WindowKey, LeaseBudget> budgets = new ShrinkingMap<>();

	/**
	 * How often closed windows' allocations and leases are removed, by one instance of all: the
	 * rows then follow the (tenant, meter, window) pairs in use, not every pair ever seen.
	 */
	static final Duration CLEANUP_INTERVAL = Duration.ofMinutes(1);

	private final QuotaLeaseStore store;

	/** This instance does not try to claim the removal of closed windows before this (epoch millis). */
	private volatile long nextCleanupMillis;

	/** Each scope's calendar: where the windows of events counted here start and end. */
	private final TenantCalendars calendars;

	QuotaLeases(QuotaLeaseStore store, UsageReader reader, Clock clock, LongSupplier ticker, LeaseSettings settings,
			Executor executor, QuotaObserver observer) {
		this(store, reader, clock, ticker, settings, executor, observer, TenantCalendars.UTC);
	}

	QuotaLeases(QuotaLeaseStore store, UsageReader reader, Clock clock, LongSupplier ticker, LeaseSettings settings,
			Executor executor, QuotaObserver observer, TenantCalendars calendars) {
		this(store, reader, clock, ticker, settings, executor, observer, calendars, 0);
	}

	QuotaLeases(QuotaLeaseStore store, UsageReader reader, Clock clock, LongSupplier ticker, LeaseSettings settings,
			Executor executor, QuotaObserver observer, TenantCalendars calendars, int coldSharePositions) {
		this.calendars = calendars;
		this.clock = clock;
		this.ticker = ticker;
		this.settings = settings;
		this.executor = executor;
		this.store = store;
		this.chunks = new LeaseChunks(settings, ticker);
		String instance = UUID.randomUUID().toString();
		this.grants = new LeaseGrants(store, reader, clock, settings, observer, this.chunks, instance, calendars);
		if (coldSharePositions > 0) {
			this.shares = store.coldShares(clock, coldSharePositions, instance, settings);
			this.grants.shares = this.shares;
			this.shares.claim();
		}
		else {
			this.shares = null;
		}
		this.requests = new LeaseRequestQueue(executor, this.grants::refillAll, settings.linger().toNanos());
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
		return create(dataSource, tables, reader, clock, settings, executor, observer, TenantCalendars.UTC);
	}

	/**
	 * Creates the leases of one instance, with each scope's windows in its calendar.
	 * @param dataSource the database of the allocation and lease tables
	 * @param tables the kit's table names
	 * @param reader the ledger, for allocations of new windows and for reconciliations
	 * @param clock the clock of lease expiry
	 * @param settings lease settings
	 * @param executor runs lease requests in the background
	 * @param observer lease metrics
	 * @param calendars each scope's calendar (its day and month windows)
	 * @return the leases
	 */
	public static QuotaLeases create(javax.sql.DataSource dataSource, dev.metering.ledger.MeteringTables tables,
			UsageReader reader, Clock clock, LeaseSettings settings, Executor executor, QuotaObserver observer,
			TenantCalendars calendars) {
		return create(dataSource, tables, reader, clock, settings, executor, observer, calendars, 0);
	}

	/**
	 * Creates the leases of one instance, with cold shares when {@code coldSharePositions > 0}.
	 * @param dataSource the database of the allocation and lease tables
	 * @param tables the kit's table names
	 * @param reader the ledger, for allocations of new windows and for reconciliations
	 * @param clock the clock of lease expiry
	 * @param settings lease settings
	 * @param executor runs lease requests in the background
	 * @param observer lease metrics
	 * @param calendars each scope's calendar (its day and month windows)
	 * @param coldSharePositions the positions of cold shares, 0 for none (every instance must agree)
	 * @return the leases
	 */
	public static QuotaLeases create(javax.sql.DataSource dataSource, dev.metering.ledger.MeteringTables tables,
			UsageReader reader, Clock clock, LeaseSettings settings, Executor executor, QuotaObserver observer,
			TenantCalendars calendars, int coldSharePositions) {
		return new QuotaLeases(new QuotaLeaseStore(dataSource, tables), reader, clock, System::nanoTime, settings,
				executor, observer, calendars, coldSharePositions);
	}

	/**
	 * Takes a quantity of one hard policy's window, named by its key (which a check caches per window).
	 * @param requireRemaining take nothing, only require that something is left
	 */
	@Override
	public Take take(WindowKey key, QuotaPolicy policy, BigDecimal quantity, boolean requireRemaining) {
		return take(key, null, policy, quantity, requireRemaining);
	}

	@Override
	public Take take(WindowKey key, @Nullable Budget hint, QuotaPolicy policy, BigDecimal quantity,
			boolean requireRemaining) {
		return take(key, hint, policy, quantity, requireRemaining, this.ticker.getAsLong(), Long.MIN_VALUE);
	}

	@Override
	public long nanoTime() {
		return this.ticker.getAsLong();
	}

	@Override
	public long millis() {
		return this.clock.millis();
	}

	/**
	 * {@inheritDoc}
	 * @param nowMillis the clock as the check read it, {@link Long#MIN_VALUE} to read it here
	 * when a lease may have expired
	 */
	@Override
	public Take take(WindowKey key, @Nullable Budget hint, QuotaPolicy policy, BigDecimal quantity,
			boolean requireRemaining, long nowNanos, long nowMillis) {
		long now = nowNanos;
		long deadline = 0;
		BigDecimal wanted = requireRemaining ? BigDecimal.ZERO : quantity;
		boolean answered = true;
		// The hint is the window's budget while not retired: a budget leaves the map only as it retires.
		LeaseBudget known = (hint instanceof LeaseBudget b && b.owner == this
				&& (b.key == key || b.key.equals(key)) && b.state.get() != LeaseBudget.RETIRED) ? b : null;
		while (true) {
			LeaseBudget budget = (known != null) ? checkLimit(known, policy.limit()) : budget(key, policy.limit(), now);
			known = null;
			if (now - budget.lastUseNanos > USE_GRANULARITY_NANOS) {
				// A volatile write per take would be a fence per level of a check; idle is judged in seconds.
				budget.lastUseNanos = now;
			}
			expireLocally(budget, nowMillis);
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
			if (deadline == 0) {
				deadline = now + this.settings.requestTimeout().toNanos();
			}
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

	private LeaseBudget budget(WindowKey key, BigDecimal limit, long now) {
		LeaseBudget budget = this.budgets.get(key);
		if (budget == null || budget.state.get() == LeaseBudget.RETIRED) {
			LeaseBudget fresh = new LeaseBudget(key, limit, now);
			fresh.reconciledAtMillis = this.clock.millis();
			fresh.owner = this;
			ColdShares shares = this.shares;
			BigDecimal share = (shares != null) ? shares.open(key, limit) : null;
			if (share != null) {
				// Admitted from this position's share with no statement; settled in the background.
				fresh.provisional = true;
				fresh.expiresAtMillis = shares.validUntilMillis();
				fresh.retryAtMillis = this.clock.millis() + this.settings.retryInterval().toMillis();
				fresh.state.set(new LeaseBudget.State(share, BigDecimal.ZERO));
			}
			else if (shares != null) {
				shares.spend(key);
			}
			budget = this.budgets.compute(key,
					(k, existing) -> (existing == null || existing.state.get() == LeaseBudget.RETIRED) ? fresh
							: existing);
			if (budget == fresh && share != null) {
				request(fresh, BigDecimal.ZERO);
			}
		}
		return checkLimit(budget, limit);
	}

	private LeaseBudget checkLimit(LeaseBudget budget, BigDecimal limit) {
		if (budget.limit.compareTo(limit) != 0) {
			limitChanged(budget, limit);
		}
		return budget;
	}

	/**
	 * A limit changed at runtime (an upgrade, a cut-off): what no instance holds moves by the
	 * difference, a lowered limit empties the budget, and a refusal under the old limit no longer
	 * holds off asking the database.
	 */
	private void limitChanged(LeaseBudget budget, BigDecimal limit) {
		BigDecimal previous = budget.limit;
		budget.limit = limit;
		LeaseBudget.State s = budget.state.get();
		if (s != null && s != LeaseBudget.RETIRED) {
			budget.add(BigDecimal.ZERO, s.unallocated().add(limit.subtract(previous)).max(BigDecimal.ZERO));
		}
		if (limit.compareTo(previous) < 0) {
			// Lowered: what this instance holds may be above the new limit, so it goes back and the
			// database decides the next take against the new limit.
			BigDecimal held = budget.drain(false);
			if (held != null && held.signum() > 0 && budget.expiresAtMillis != 0 && !budget.provisional) {
				this.executor.execute(() -> this.grants.giveBack(budget, held));
			}
		}
		budget.retryAtMillis = 0;
	}

	/** A lease that lapsed without renewal no longer entitles this instance to anything. */
	private void expireLocally(LeaseBudget budget, long nowMillis) {
		long expires = budget.expiresAtMillis;
		if (expires != 0 && ((nowMillis != Long.MIN_VALUE) ? nowMillis : this.clock.millis()) >= expires) {
			budget.lapse(expires);
		}
	}

	private void refillIfLow(LeaseBudget budget, LeaseBudget.State after) {
		if (after.available().compareTo(budget.lowWater) < 0 && after.unallocated().signum() > 0) {
			request(budget, BigDecimal.ZERO);
		}
	}

	/** Gives back a quantity that was taken and not used. */
	@Override
	public void giveBack(Budget taken, BigDecimal quantity) {
		LeaseBudget budget = (LeaseBudget) taken;
		if (!budget.add(quantity, null) && quantity.signum() > 0 && !budget.provisional) {
			// Retired meanwhile: its remainder was returned already, so return this part on its own.
			this.executor.execute(() -> this.grants.giveBack(budget, quantity));
		}
	}

	/**
	 * What is left of a window as this instance's budget knows it, without asking the database.
	 * @return {@code null} when this instance holds no live budget of the window
	 */
	@Override
	public @Nullable BigDecimal known(WindowKey key) {
		LeaseBudget budget = this.budgets.get(key);
		LeaseBudget.State s = (budget != null) ? budget.state.get() : null;
		return (s == null || s == LeaseBudget.RETIRED || budget.unknown) ? null : s.remaining();
	}

	/**
	 * Counts usage recorded without a check's reservation (or admitted while the database could
	 * not be asked) against the budgets of its windows.
	 * @param event the accepted event
	 */
	@Override
	public void unreserved(UsageEvent event) {
		BillingCalendar calendar = this.calendars.calendarOf(event.tenantId());
		for (QuotaWindow window : QuotaWindow.values()) {
			QuotaWindow.Bounds bounds = window.bounds(event.occurredAt(), calendar);
			LeaseBudget budget = this.budgets
				.get(new WindowKey(event.tenantId(), event.meter(), window, bounds.start(), bounds.end()));
			if (budget != null) {
				budget.debit(event.quantity());
				request(budget, BigDecimal.ZERO);
			}
		}
		LeaseBudget grants = grantBudget(event);
		if (grants != null) {
			grants.debit(event.quantity());
			request(grants, BigDecimal.ZERO);
		}
	}

	/** The budget of the event's grant-backed balance window, if this instance holds one. */
	private @Nullable LeaseBudget grantBudget(UsageEvent event) {
		if (this.budgets.isEmpty()) {
			return null;
		}
		QuotaWindow.Bounds month = QuotaWindow.MONTH.bounds(event.occurredAt());
		return this.budgets.get(new WindowKey(event.tenantId(), WindowKey.grantMeter(event.meter()), QuotaWindow.MONTH,
				month.start(), month.end()));
	}

	/**
	 * Notes events committed to the ledger: the lease reports them at renewal, so a
	 * reconciliation counts them from the ledger and not again from the lease.
	 * @param event a committed event
	 */
	@Override
	public void committed(UsageEvent event) {
		BillingCalendar calendar = this.calendars.calendarOf(event.tenantId());
		for (QuotaWindow window : QuotaWindow.values()) {
			QuotaWindow.Bounds bounds = window.bounds(event.occurredAt(), calendar);
			LeaseBudget budget = this.budgets
				.get(new WindowKey(event.tenantId(), event.meter(), window, bounds.start(), bounds.end()));
			if (budget != null) {
				budget.committed.accumulateAndGet(event.quantity(), BigDecimal::add);
			}
		}
		LeaseBudget grants = grantBudget(event);
		if (grants != null) {
			grants.committed.accumulateAndGet(event.quantity(), BigDecimal::add);
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
		return this.requests.request(budget, wanted);
	}

	/**
	 * Renews leases that are past a third of their life, and gives back budgets that are idle,
	 * whose window has ended, or that hold more than two chunks at their current rate. Run it
	 * periodically (a third of the lease expiry or more often).
	 */
	public void maintain() {
		this.maintenance.lock();
		try {
			if (this.closed) {
				return;
			}
			if (this.shares != null) {
				this.shares.heartbeat();
				this.grants.settle(provisional());
				this.shares.giveBackIdle();
			}
			maintainBudgets();
		}
		finally {
			this.maintenance.unlock();
		}
	}

	private List<LeaseBudget> provisional() {
		List<LeaseBudget> open = new ArrayList<>();
		for (LeaseBudget budget : this.budgets.values()) {
			if (budget.provisional) {
				open.add(budget);
			}
		}
		return open;
	}

	/**
	 * Removes the allocations and leases of closed windows, once per {@link #CLEANUP_INTERVAL}
	 * of all instances (the first instance to claim the run does it, the others skip), so the
	 * rows follow the (tenant, meter, window) triples in use. Run it with {@link #maintain()}.
	 */
	public void removeClosedWindows() {
		long nowMillis = this.clock.millis();
		if (nowMillis < this.nextCleanupMillis) {
			return;
		}
		this.nextCleanupMillis = nowMillis + CLEANUP_INTERVAL.toMillis();
		try {
			int removed = this.store.removeClosed(this.clock.instant(), CLEANUP_INTERVAL);
			if (removed > 0 && logger.isDebugEnabled()) {
				logger.debug("Removed the quota allocations of " + removed + " closed windows");
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not remove the quota allocations of closed windows: " + ex.getMessage());
		}
	}

	private void maintainBudgets() {
		long nowMillis = this.clock.millis();
		long nowNanos = this.ticker.getAsLong();
		long renewBefore = this.settings.expiry().toMillis() * 2 / 3;
		List<LeaseBudget> live = new ArrayList<>();
		List<LeaseBudget> due = new ArrayList<>();
		int seen = 0;
		// What goes back this run, returned together at its end: a transaction per 500 leases.
		Map<LeaseBudget, BigDecimal> returns = new LinkedHashMap<>();
		for (LeaseBudget budget : this.budgets.values()) {
			seen++;
			if (budget.provisional) {
				// Not a lease of this instance yet: settled first (its settlement is queued).
				continue;
			}
			try {
				boolean ended = !nowOrBefore(budget.key.end(), nowMillis);
				long idleNanos = nowNanos - budget.lastUseNanos;
				boolean idle = idleNanos > idleAllowanceNanos(budget);
				if (!ended && idle && keptIdle(budget, idleNanos, nowMillis)) {
					// Neither renewed nor trimmed: it goes back before its lease would need a renewal.
					continue;
				}
				if (ended || idle) {
					retire(budget, returns, nowMillis);
					continue;
				}
				live.add(budget);
				long expires = budget.expiresAtMillis;
				if (expires != 0 && expires - nowMillis < renewBefore) {
					due.add(budget);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Lease maintenance of '" + budget.key.scope() + "' failed: " + ex.getMessage());
			}
		}
		this.budgets.shrinkIfSparse(seen);
		// Renewed before anything is trimmed: a lease found lapsed is drained, so none of it is given back.
		Set<LeaseBudget> unrenewed = Set.of();
		try {
			this.grants.renewAll(due, nowMillis);
		}
		catch (RuntimeException ex) {
			logger.warn("Lease renewal of " + due.size() + " budgets failed: " + ex.getMessage());
			// Whether these leases lapsed is unknown: none of them gives anything back this time.
			unrenewed = new HashSet<>(due);
		}
		for (LeaseBudget budget : live) {
			if (unrenewed.contains(budget)) {
				continue;
			}
			try {
				LeaseBudget.State s = budget.state.get();
				if (s != null && s != LeaseBudget.RETIRED) {
					this.chunks.measureRate(budget);
					BigDecimal keep = this.chunks.chunk(budget, BigDecimal.ZERO, s.available().add(s.unallocated()))
						.multiply(TWO);
					BigDecimal excess = budget.trimTo(keep);
					if (excess.signum() > 0) {
						returns.put(budget, excess);
					}
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Lease maintenance of '" + budget.key.scope() + "' failed: " + ex.getMessage());
			}
		}
		this.grants.giveBackAll(returns);
	}

	/**
	 * How long a budget may go without a check before it is given back: {@code idle-return}, or
	 * as long as the budget had been in use (its first to its last check), at most
	 * {@value #RETURNING_IDLE_FACTOR} × {@code idle-return}. A tenant seen once goes back after
	 * {@code idle-return}, before its lease's first renewal; a tenant that keeps coming back now
	 * and then (the tail of a skewed mix) keeps its budget across its gaps, a renewal every third
	 * of {@code expiry} instead of a cold lease and a give-back every visit.
	 */
	private long idleAllowanceNanos(LeaseBudget budget) {
		long idleReturn = this.settings.idleReturn().toNanos();
		long inUse = budget.lastUseNanos - budget.firstUseNanos;
		return Math.max(idleReturn, Math.min(inUse, RETURNING_IDLE_FACTOR * idleReturn));
	}

	/**
	 * Whether an idle budget stays a while longer at no cost: far from its limit (at least half of
	 * it held by no instance), idle no longer than {@code expiry}, and while its lease has at least
	 * a third of {@code expiry} left. It is not renewed meanwhile, so it costs no statement, and a
	 * check that comes meanwhile (a tail tenant's next visit) admits from it with none, where a
	 * give-back and a new lease took four row changes; it goes back at the first maintenance run
	 * after that, before the lease lapses. Near the limit an idle budget goes back as before, so
	 * other instances find the room.
	 */
	private boolean keptIdle(LeaseBudget budget, long idleNanos, long nowMillis) {
		long expiry = this.settings.expiry().toMillis();
		long expires = budget.expiresAtMillis;
		LeaseBudget.State s = budget.state.get();
		return s != null && s != LeaseBudget.RETIRED && !budget.unknown && expires != 0
				&& idleNanos <= TimeUnit.MILLISECONDS.toNanos(expiry) && expires - nowMillis >= expiry / 3
				&& s.unallocated().multiply(TWO).compareTo(budget.limit) >= 0;
	}

	private static boolean nowOrBefore(Instant end, long nowMillis) {
		return nowMillis < end.toEpochMilli();
	}

	/** Forgets the budget; what it held joins {@code returns}, to be given back. */
	private void retire(LeaseBudget budget, Map<LeaseBudget, BigDecimal> returns) {
		retire(budget, returns, Long.MIN_VALUE);
	}

	/**
	 * Forgets the budget; what it held joins {@code returns} unless its lease lapsed before
	 * {@code nowMillis}: a lapsed lease may have been reclaimed already (the allocation derived
	 * from the ledger without it), so a return would count its part twice; a reconciliation
	 * returns it instead.
	 */
	private void retire(LeaseBudget budget, Map<LeaseBudget, BigDecimal> returns, long nowMillis) {
		this.budgets.remove(budget.key, budget);
		BigDecimal left = budget.drain(true);
		long expires = budget.expiresAtMillis;
		if (left != null && left.signum() != 0 && expires != 0 && expires > nowMillis && !budget.provisional) {
			returns.put(budget, left);
		}
	}

	/**
	 * A scope's subtree may change (a tenant moves in or out, or its quotas change): this
	 * instance reports what of its leases of the scope is in the ledger and gives back what it
	 * holds, so it admits nothing more of the scope without a new lease. Call it before the
	 * lineages are reloaded, then {@link #rederive(String)} after.
	 * @param scope the scope whose budgets are stale
	 */
	public void release(String scope) {
		List<LeaseBudget> held = new ArrayList<>();
		for (LeaseBudget budget : this.budgets.values()) {
			if (budget.key.scope().equals(scope) && budget.expiresAtMillis != 0) {
				held.add(budget);
			}
		}
		try {
			// What of the leases is in the ledger, so the allocation derived next counts it once.
			this.grants.renewAll(held, this.clock.millis());
		}
		catch (RuntimeException ex) {
			logger.warn("Lease renewal of '" + scope + "' failed: " + ex.getMessage());
		}
		List<LeaseBudget> open = new ArrayList<>();
		for (LeaseBudget budget : this.budgets.values()) {
			if (budget.key.scope().equals(scope) && budget.provisional) {
				open.add(budget);
			}
		}
		// A use of a cold share is settled before its budget is forgotten.
		this.grants.settle(open);
		Map<LeaseBudget, BigDecimal> returns = new LinkedHashMap<>();
		for (LeaseBudget budget : this.budgets.values()) {
			if (budget.key.scope().equals(scope)) {
				retire(budget, returns);
			}
		}
		this.grants.giveBackAll(returns);
	}

	/**
	 * Derives the allocations of the scope's open windows again from the ledger as its subtree
	 * is now (read through this instance's lineages, so after they were reloaded), so the next
	 * lease of any instance is granted against the usage of the tenants under the scope now, not
	 * of those it had when the window's allocation was created.
	 * @param scope the scope whose subtree changed
	 */
	public void rederive(String scope) {
		this.grants.rederive(scope);
	}

	/**
	 * Gives every budget back, at shutdown. With cold shares: no share is used from the start of
	 * the close on, every use is settled, the leases are given back, and only then the shares
	 * still reserved and the position are released (in one transaction holding the position).
	 */
	@Override
	public void close() {
		this.maintenance.lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
			ColdShares shares = this.shares;
			boolean provisionalLeft = false;
			if (shares != null) {
				shares.stopAdmitting();
				this.grants.settle(provisional());
				provisionalLeft = !provisional().isEmpty();
			}
			Map<LeaseBudget, BigDecimal> returns = new LinkedHashMap<>();
			for (LeaseBudget budget : this.budgets.values()) {
				retire(budget, returns);
			}
			this.grants.giveBackAll(returns);
			if (shares != null) {
				// A use not settled is covered only by the share row: then the position is left to
				// expire, and its next holder is fenced off the windows this one may have used.
				shares.release(provisionalLeft);
			}
		}
		finally {
			this.maintenance.unlock();
		}
	}

	/** Stops as a killed instance would: nothing more is written, nothing given back (for tests). */
	void abandon() {
		this.maintenance.lock();
		try {
			this.closed = true;
			if (this.shares != null) {
				this.shares.abandon();
			}
			for (LeaseBudget budget : this.budgets.values()) {
				this.budgets.remove(budget.key, budget);
				budget.drain(true);
			}
		}
		finally {
			this.maintenance.unlock();
		}
	}

	/** Budgets still admitting from an unsettled share (for tests). */
	int provisionalCount() {
		return provisional().size();
	}

	/** The cold shares (for tests). */
	@Nullable ColdShares shares() {
		return this.shares;
	}

	/** The queue of lease requests (for tests). */
	LeaseRequestQueue requests() {
		return this.requests;
	}

	/**
	 * Budgets held.
	 * @return the number of windows this instance holds a budget of
	 */
	int budgetCount() {
		return this.budgets.size();
	}

}
