package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import dev.metering.internal.sql.LeaseSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;
import dev.metering.quota.HardQuotaBudgets.WindowKey;
import dev.metering.quota.QuotaWindow;
import dev.metering.tenant.BillingCalendar;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * The SQL of hard-quota leases, in one place. Every statement is the same on H2, PostgreSQL and
 * MySQL/MariaDB (times are epoch numbers, amounts exact decimals, no upserts), so no dialect part
 * is needed; the table prefix is resolved once.
 * <p>
 * Invariants: an allocation's {@code granted} only rises through {@link #grant}, whose update
 * holds {@code granted + amount <= limit}, so the sum of leases never passes the limit. It falls
 * through {@link #giveBack} (unused budget an instance no longer needs) and is recomputed by
 * {@link #reconcile} from the ledger when a lease has expired. Every change of {@code granted}
 * bumps {@code version}, so a reconciliation that raced with a grant or a return fails instead of
 * overwriting it. A batch grant is the same conditional update for each of its windows (one
 * statement joined to the windows' amounts and limits), so it keeps the invariant row by row.
 * <p>
 * Over 350 lines: the reconciliation must know every kind of lease row (an instance's, and a cold
 * share's, which lapses only by its position's fence) in the one place that recomputes.
 */
final class QuotaLeaseStore {

	/** The name of the removal of closed windows among the periodic jobs' rows. */
	static final String CLEANUP_JOB = "quota-allocation-cleanup";

	/** Leases renewed per JDBC batch. */
	static final int RENEWALS_PER_BATCH = 500;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final LeaseSql sql;

	private final LeaseBatchStore batches;

	private final dev.metering.internal.sql.ShareSql shareSql;

	private final String prefix;

	private final SingletonSupplier<LedgerDatabase> database;

	QuotaLeaseStore(DataSource dataSource, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.database = SingletonSupplier.of(() -> LedgerDatabase.detect(dataSource));
		this.sql = new LeaseSql(new TableNames(tables.prefix()));
		this.shareSql = new dev.metering.internal.sql.ShareSql(new TableNames(tables.prefix()));
		this.prefix = tables.prefix();
		this.batches = new LeaseBatchStore(this.jdbc, this.transactions,
				SingletonSupplier.of(() -> this.database.obtain().sql(tables.prefix())), this.sql, this::create);
	}

	/** The allocation of a window, or {@code null} when no instance has asked for it yet. */
	@Nullable Allocation allocation(WindowKey key) {
		List<Allocation> rows = this.jdbc.query(this.sql.selectAllocation,
				(rs, n) -> new Allocation(rs.getBigDecimal(1), rs.getLong(2)), key.scope(), key.meter(),
				key.window().id(), key.startSecond());
		return rows.isEmpty() ? null : rows.get(0);
	}

	/**
	 * Creates a window's allocation starting from what the ledger already holds for it.
	 * @return {@code false} when another instance created it first
	 */
	boolean create(WindowKey key, BigDecimal ledgerUsage) {
		try {
			this.jdbc.update(this.sql.insertAllocation, key.scope(), key.meter(), key.window().id(), key.startSecond(),
					ledgerUsage);
			return true;
		}
		catch (DataIntegrityViolationException ex) {
			return false;
		}
	}

	/**
	 * Grants {@code amount} to an instance if the limit allows it, extending its lease.
	 * @return whether it was granted
	 */
	boolean grant(WindowKey key, String instance, BigDecimal amount, BigDecimal limit, long expiresAtMillis) {
		Boolean granted = this.transactions.execute((status) -> {
			int updated = this.jdbc.update(this.sql.grantAllocation, amount, key.scope(), key.meter(), key.window().id(),
					key.startSecond(), amount, limit);
			if (updated == 0) {
				return false;
			}
			addToLease(key, instance, amount, expiresAtMillis);
			return true;
		});
		return Boolean.TRUE.equals(granted);
	}

	/**
	 * Gives unused budget back (or, negative, owns up to usage taken beyond the lease).
	 */
	void giveBack(WindowKey key, String instance, BigDecimal amount, long expiresAtMillis) {
		this.transactions.executeWithoutResult((status) -> {
			// A closed window's allocation may be removed already: then there is nothing to return to.
			if (this.jdbc.update(this.sql.changeAllocation, amount.negate(), key.scope(), key.meter(),
					key.window().id(), key.startSecond()) == 1) {
				addToLease(key, instance, amount.negate(), expiresAtMillis);
			}
		});
	}

	private void addToLease(WindowKey key, String instance, BigDecimal amount, long expiresAtMillis) {
		int leased = this.jdbc.update(this.sql.addToLease, amount, expiresAtMillis, key.scope(), key.meter(),
				key.window().id(), key.startSecond(), instance);
		if (leased == 0) {
			this.jdbc.update(this.sql.insertLease, key.scope(), key.meter(), key.window().id(), key.startSecond(), instance,
					amount, expiresAtMillis);
		}
	}

	/**
	 * Extends a lease that has not lapsed and reports what of it is committed to the ledger.
	 * @return {@code false} when the lease lapsed (and may have been reclaimed)
	 */
	boolean renew(WindowKey key, String instance, BigDecimal committed, long expiresAtMillis, long nowMillis) {
		return this.jdbc.update(this.sql.renewLease, committed, expiresAtMillis, key.scope(), key.meter(),
				key.window().id(), key.startSecond(), instance, nowMillis) == 1;
	}

	/**
	 * {@link #renew} of many leases of this instance as JDBC batches of {@value #RENEWALS_PER_BATCH}
	 * (one round trip and one transaction a batch on PostgreSQL): a tenant's lease is renewed every
	 * third of its expiry, and one statement a lease cost the database more than the requests it
	 * served when many tenants each held a lease (docs/BENCHMARKS.md, new tenant per request).
	 * @param renewals the leases, what of each is committed, and their new expiry
	 * @return per renewal, in order, whether its lease had not lapsed and was renewed
	 */
	boolean[] renewAll(List<Renewal> renewals, String instance, long nowMillis) {
		boolean[] renewed = new boolean[renewals.size()];
		int[][] counts = this.jdbc.batchUpdate(this.sql.renewLease, renewals, RENEWALS_PER_BATCH, (statement, renewal) -> {
			WindowKey key = renewal.key();
			statement.setBigDecimal(1, renewal.committed());
			statement.setLong(2, renewal.expiresAtMillis());
			statement.setString(3, key.scope());
			statement.setString(4, key.meter());
			statement.setString(5, key.window().id());
			statement.setLong(6, key.startSecond());
			statement.setString(7, instance);
			statement.setLong(8, nowMillis);
		});
		int i = 0;
		for (int[] batch : counts) {
			for (int count : batch) {
				Renewal renewal = renewals.get(i);
				// A driver that rewrites batches reports no count per row: ask row by row then.
				renewed[i] = (count == Statement.SUCCESS_NO_INFO) ? renew(renewal.key(), instance,
						renewal.committed(), renewal.expiresAtMillis(), nowMillis) : count == 1;
				i++;
			}
		}
		return renewed;
	}

	/** One lease to renew: its window, what of it is committed to the ledger, its new expiry (epoch millis). */
	record Renewal(WindowKey key, BigDecimal committed, long expiresAtMillis) {

	}

	/**
	 * Reclaims the unused part of expired leases. The allocation becomes the ledger's usage of the
	 * window plus what every live lease may still use ({@code amount - committed}, as last
	 * reported). Leases are read before the ledger: a unit a live instance reported as committed
	 * is then in the ledger read, and one it did not report is counted in its lease, so nothing is
	 * counted zero times (a unit may be counted twice until the next reconciliation: under, never
	 * over, the limit).
	 * @param ledger reads the window's ledger usage
	 * @return the amount reclaimed (zero when no lease had expired or the reconciliation raced)
	 */
	BigDecimal reconcile(WindowKey key, long nowMillis, java.util.function.Supplier<BigDecimal> ledger) {
		BigDecimal reclaimed = recompute(key, nowMillis, ledger, true);
		return (reclaimed != null) ? reclaimed : BigDecimal.ZERO;
	}

	/**
	 * Recomputes an allocation from the ledger as {@link #reconcile} does, whether or not a lease
	 * expired: after the scope's subtree changed (a tenant moved in or out), the usage it was
	 * created with no longer is the subtree's.
	 * @param ledger reads the window's ledger usage of the scope's subtree as it is now
	 * @return {@code false} when it raced with a grant or a return (nothing changed then)
	 */
	boolean rederive(WindowKey key, long nowMillis, java.util.function.Supplier<BigDecimal> ledger) {
		return recompute(key, nowMillis, ledger, false) != null;
	}

	/**
	 * The allocations of a scope's windows that start at or after {@code since}.
	 * @param scope the scope
	 * @param since the earliest window start
	 * @param calendar the scope's calendar, which gives each window's end
	 * @return their keys
	 */
	List<WindowKey> allocationsOf(String scope, java.time.Instant since, BillingCalendar calendar) {
		return this.jdbc.query(this.sql.selectScopeAllocations, (rs, n) -> {
			QuotaWindow window = QuotaWindow.of(rs.getString(2));
			Instant start = Instant.ofEpochSecond(rs.getLong(3));
			String meter = rs.getString(1);
			// A grant balance's window is a UTC month whatever the scope's calendar.
			BillingCalendar windows = meter.endsWith(WindowKey.GRANT_BALANCE_SUFFIX) ? BillingCalendar.UTC : calendar;
			return new WindowKey(scope, meter, window, start, window.end(start, windows));
		}, scope, since.getEpochSecond());
	}

	/**
	 * Removes the allocations and leases of windows that closed before {@code now}, if no
	 * instance did so within {@code interval}: the instances' runs claim one row (a conditional
	 * update), so one of them removes and the others skip.
	 * @return the allocations removed, or -1 when another instance's run was recent enough
	 */
	/**
	 * A start no open window of the kind precedes, in any scope's calendar: a local day starts at
	 * most 14 hours before the UTC day (UTC+14), a billing period at most 31 days and 14 hours
	 * before now. Rows of closed windows after it wait for a later run.
	 */
	static Instant openWindowsFrom(QuotaWindow window, Instant now) {
		return switch (window) {
			case HOUR -> window.start(now);
			case DAY -> window.start(now).minus(Duration.ofHours(14));
			case MONTH -> window.start(now.minus(Duration.ofDays(32)));
		};
	}

	int removeClosed(Instant now, Duration interval) {
		long nowMillis = now.toEpochMilli();
		Object updatedAt = this.database.obtain().timestamp(now);
		boolean claimed = this.jdbc.update(this.sql.claimJob, nowMillis, updatedAt, CLEANUP_JOB,
				nowMillis - interval.toMillis()) == 1;
		if (!claimed) {
			try {
				claimed = this.jdbc.update(this.sql.insertJob, CLEANUP_JOB, nowMillis, updatedAt) == 1;
			}
			catch (DataIntegrityViolationException ex) {
				// The row exists: another instance's run was recent enough.
			}
		}
		if (!claimed) {
			return -1;
		}
		List<Object> closed = new ArrayList<>(6);
		for (QuotaWindow window : QuotaWindow.values()) {
			closed.add(window.id());
			closed.add(openWindowsFrom(window, now).getEpochSecond());
		}
		// Allocations first: a return that changed one before it was removed has written its lease
		// row by then (the removal waits for its lock), so the leases' removal takes that row too;
		// a return after it finds no allocation and writes nothing.
		int removed = this.jdbc.update(this.sql.deleteClosedAllocations, closed.toArray());
		this.jdbc.update(this.sql.deleteClosedLeases, closed.toArray());
		return removed;
	}

	/** @return what was reclaimed, {@code null} when nothing was written */
	private @Nullable BigDecimal recompute(WindowKey key, long nowMillis, java.util.function.Supplier<BigDecimal> ledger,
			boolean onlyWhenExpired) {
		Allocation allocation = allocation(key);
		if (allocation == null) {
			return BigDecimal.ZERO;
		}
		List<Lease> leases = this.jdbc.query(this.sql.selectLeases,
				(rs, n) -> new Lease(rs.getString(1), rs.getBigDecimal(2), rs.getBigDecimal(3), rs.getLong(4)),
				key.scope(), key.meter(), key.window().id(), key.startSecond());
		// A position's share row never lapses by time: only a fence (its epoch crashed) ends it.
		Map<Integer, Long> fences = leases.stream().anyMatch((l) -> ColdShares.positionOf(l.instance()) >= 0)
				? fences() : Map.of();
		List<Lease> expired = leases.stream().filter((l) -> lapsed(l, key, nowMillis, fences)).toList();
		if (expired.isEmpty() && onlyWhenExpired) {
			return null;
		}
		BigDecimal reconciled = ledger.get();
		for (Lease lease : leases) {
			if (!lapsed(lease, key, nowMillis, fences)) {
				reconciled = reconciled.add(lease.amount().subtract(lease.committed()).max(BigDecimal.ZERO));
			}
		}
		BigDecimal target = reconciled;
		Boolean done = this.transactions.execute((status) -> {
			for (Lease lease : expired) {
				long before = (ColdShares.positionOf(lease.instance()) >= 0) ? Long.MAX_VALUE : nowMillis;
				if (this.jdbc.update(this.sql.deleteExpiredLease, key.scope(), key.meter(), key.window().id(),
						key.startSecond(), lease.instance(), before) != 1) {
					status.setRollbackOnly();
					return false;
				}
			}
			if (this.jdbc.update(this.sql.replaceAllocation, target, key.scope(), key.meter(), key.window().id(),
					key.startSecond(), allocation.version()) != 1) {
				status.setRollbackOnly();
				return false;
			}
			return true;
		});
		return Boolean.TRUE.equals(done) ? allocation.granted().subtract(target).max(BigDecimal.ZERO) : null;
	}

	private static boolean lapsed(Lease lease, WindowKey key, long nowMillis, Map<Integer, Long> fences) {
		int position = ColdShares.positionOf(lease.instance());
		return (position >= 0) ? ColdShares.fenced(key.startSecond(), position, fences) : lease.expiresAt() < nowMillis;
	}

	/** Each position's fence (epoch millis). */
	private Map<Integer, Long> fences() {
		Map<Integer, Long> fences = new java.util.HashMap<>();
		this.jdbc.query(this.shareSql.selectFences, (rs) -> {
			fences.put(rs.getInt(1), rs.getLong(2));
		});
		return fences;
	}

	/**
	 * The cold shares of this store's tables.
	 * @param clock the clock of positions
	 * @param positions how many positions there are
	 * @param owner this instance's name
	 * @param settings lease settings (expiry, idle return)
	 */
	ColdShares coldShares(java.time.Clock clock, int positions, String owner, LeaseSettings settings) {
		return new ColdShares(this.jdbc, this.transactions, this.shareSql,
				SingletonSupplier.of(() -> this.database.obtain().sql(this.prefix)), clock, positions, owner, settings);
	}

	/** The multi-row statements of a batch of windows. */
	LeaseBatchStore batches() {
		return this.batches;
	}

	/**
	 * A window's allocation.
	 *
	 * @param granted handed out to instances, or used
	 * @param version bumped by every change
	 */
	record Allocation(BigDecimal granted, long version) {
	}

	private record Lease(String instance, BigDecimal amount, BigDecimal committed, long expiresAt) {
	}

}
