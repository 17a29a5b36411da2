package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

import dev.metering.internal.sql.DatabaseSql;
import dev.metering.internal.sql.LeaseSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.quota.HardQuotaBudgets.WindowKey;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * The batch part of {@link QuotaLeaseStore}: many windows' allocations read, created and granted
 * with a fixed number of statements ({@link DatabaseSql}), up to {@link #ROWS_PER_STATEMENT}
 * windows a statement, and many leases given back in one transaction ({@link #giveBackAll}).
 * Same invariants: a grant raises {@code granted} of a window only while
 * {@code granted + amount <= limit}, and changes its {@code version}.
 */
final class LeaseBatchStore {

	/** Rows per multi-row statement: a batch of more windows takes one more statement per this many. */
	static final int ROWS_PER_STATEMENT = 200;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final SingletonSupplier<DatabaseSql> batchSql;

	private final LeaseSql sql;

	private final BiConsumer<WindowKey, BigDecimal> create;

	LeaseBatchStore(JdbcTemplate jdbc, TransactionTemplate transactions, SingletonSupplier<DatabaseSql> batchSql,
			LeaseSql sql, BiConsumer<WindowKey, BigDecimal> create) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.batchSql = batchSql;
		this.sql = sql;
		this.create = create;
	}

	/**
	 * The allocations of many windows, {@link #ROWS_PER_STATEMENT} windows a statement.
	 * @return the allocation by window, without the windows no instance has asked for yet
	 */
	Map<WindowKey, QuotaLeaseStore.Allocation> allocations(List<WindowKey> keys) {
		Map<WindowKey, QuotaLeaseStore.Allocation> found = new HashMap<>();
		for (List<WindowKey> part : partition(keys)) {
			Map<RowKey, WindowKey> byRow = byRow(part);
			List<Object> args = new ArrayList<>(part.size() * 4);
			part.forEach((key) -> addKey(args, key));
			this.jdbc.query(LedgerDatabase.plannedEachExecution(this.batchSql.obtain().selectAllocations(part.size()),
					args.toArray()), (RowCallbackHandler) (rs) -> {
				WindowKey key = byRow.get(new RowKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
				if (key != null) {
					found.put(key, new QuotaLeaseStore.Allocation(rs.getBigDecimal(5), rs.getLong(6)));
				}
			});
		}
		return found;
	}

	/**
	 * Creates the allocations of many new windows, each starting from the ledger's usage; a
	 * window another instance created first keeps its row.
	 * @param ledgerUsage the ledger's usage by new window
	 */
	void createAll(Map<WindowKey, BigDecimal> ledgerUsage) {
		List<WindowKey> keys = new ArrayList<>(ledgerUsage.keySet());
		for (List<WindowKey> part : partition(keys)) {
			List<Object> args = new ArrayList<>(part.size() * 5);
			for (WindowKey key : part) {
				addKey(args, key);
				args.add(ledgerUsage.get(key));
			}
			try {
				this.jdbc.update(this.batchSql.obtain().insertAllocations(part.size()), args.toArray());
			}
			catch (DataIntegrityViolationException ex) {
				// H2's merge can race with another instance's insert: create them one by one.
				part.forEach((key) -> this.create.accept(key, ledgerUsage.get(key)));
			}
		}
	}

	/**
	 * Grants many windows their amounts in one transaction: each is granted only if its limit
	 * allows it (the same condition as {@link QuotaLeaseStore#grant}), and granted ones extend this instance's
	 * lease. The statements do not depend on how many windows there are (up to
	 * {@link #ROWS_PER_STATEMENT}): the conditional update, the read of what it updated, the
	 * lease upsert.
	 * @return the allocation's granted amount after the grant, for each window that was granted
	 */
	Map<WindowKey, BigDecimal> grantAll(List<BatchGrant> grants, String instance, long expiresAtMillis) {
		Map<WindowKey, BigDecimal> granted = new HashMap<>();
		List<WindowKey> keys = grants.stream().map(BatchGrant::key).toList();
		Map<WindowKey, BatchGrant> byKey = new HashMap<>();
		grants.forEach((grant) -> byKey.put(grant.key(), grant));
		for (List<WindowKey> part : partition(keys)) {
			this.transactions.executeWithoutResult((status) -> grantPart(part, byKey, instance, expiresAtMillis, granted));
		}
		return granted;
	}

	private void grantPart(List<WindowKey> part, Map<WindowKey, BatchGrant> byKey, String instance, long expiresAtMillis,
			Map<WindowKey, BigDecimal> granted) {
		DatabaseSql sql = this.batchSql.obtain();
		// A token no other change of the rows produces (they add one): the rows carrying it are ours.
		long token = ThreadLocalRandom.current().nextLong(1L << 40, Long.MAX_VALUE / 2);
		List<Object> args = new ArrayList<>(part.size() * 6 + 1);
		if (sql.tokenFirst()) {
			args.add(token);
		}
		for (WindowKey key : part) {
			BatchGrant grant = byKey.get(key);
			addKey(args, key);
			args.add(grant.amount());
			args.add(grant.limit());
		}
		if (!sql.tokenFirst()) {
			args.add(token);
		}
		if (this.jdbc.update(LedgerDatabase.plannedEachExecution(sql.grantAllocations(part.size()),
				args.toArray())) == 0) {
			return;
		}
		Map<RowKey, WindowKey> byRow = byRow(part);
		List<Object> keyArgs = new ArrayList<>(part.size() * 4 + 1);
		part.forEach((key) -> addKey(keyArgs, key));
		keyArgs.add(token);
		List<WindowKey> ours = new ArrayList<>();
		this.jdbc.query(LedgerDatabase.plannedEachExecution(sql.selectGranted(part.size()), keyArgs.toArray()),
				(RowCallbackHandler) (rs) -> {
			WindowKey key = byRow.get(new RowKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
			if (key != null) {
				ours.add(key);
				granted.put(key, rs.getBigDecimal(5));
			}
		});
		if (ours.isEmpty()) {
			return;
		}
		List<Object> leaseArgs = new ArrayList<>(ours.size() * 7);
		for (WindowKey key : ours) {
			addKey(leaseArgs, key);
			leaseArgs.add(instance);
			leaseArgs.add(byKey.get(key).amount());
			leaseArgs.add(expiresAtMillis);
		}
		this.jdbc.update(LedgerDatabase.plannedEachExecution(sql.upsertLeases(ours.size()), leaseArgs.toArray()));
	}

	/**
	 * {@link QuotaLeaseStore#giveBack} of many budgets in one transaction, each statement a JDBC batch (one round
	 * trip on PostgreSQL): the allocations' changes, then the leases' of the windows whose
	 * allocation is still there. Every row changes as {@link QuotaLeaseStore#giveBack} changes it, so the
	 * invariant holds row by row; a failure rolls all of them back. Windows are taken in key
	 * order, so two instances' batches lock shared rows in the same order.
	 * @param returns what each lease gives back (negative: owns up to usage beyond it) and its expiry
	 */
	void giveBackAll(List<Return> returns, String instance) {
		List<Return> sorted = new ArrayList<>(returns);
		sorted.sort(Comparator.comparing((Return r) -> r.key().scope())
			.thenComparing((r) -> r.key().meter())
			.thenComparing((r) -> r.key().window().id())
			.thenComparingLong((r) -> r.key().startSecond()));
		this.transactions.executeWithoutResult((status) -> {
			int[][] changed = this.jdbc.batchUpdate(this.sql.changeAllocation, sorted, sorted.size(), (statement, r) -> {
				statement.setBigDecimal(1, r.amount().negate());
				setKey(statement, 2, r.key());
			});
			List<Return> held = new ArrayList<>(sorted.size());
			int i = 0;
			for (int[] batch : changed) {
				for (int count : batch) {
					Return r = sorted.get(i++);
					// A driver that rewrites batches reports no count per row: the row is there or not.
					if (count == 1 || (count == Statement.SUCCESS_NO_INFO && hasAllocation(r.key()))) {
						held.add(r);
					}
				}
			}
			if (held.isEmpty()) {
				return;
			}
			int[][] leased = this.jdbc.batchUpdate(this.sql.addToLease, held, held.size(),
					(statement, r) -> {
						statement.setBigDecimal(1, r.amount().negate());
						statement.setLong(2, r.expiresAtMillis());
						setKey(statement, 3, r.key());
						statement.setString(7, instance);
					});
			i = 0;
			for (int[] batch : leased) {
				for (int count : batch) {
					Return r = held.get(i++);
					boolean missing = (count == Statement.SUCCESS_NO_INFO) ? !hasLease(r.key(), instance) : count == 0;
					if (missing) {
						this.jdbc.update(this.sql.insertLease, r.key().scope(), r.key().meter(), r.key().window().id(),
								r.key().startSecond(), instance, r.amount().negate(), r.expiresAtMillis());
					}
				}
			}
		});
	}

	private boolean hasAllocation(WindowKey key) {
		return !this.jdbc.queryForList(this.sql.selectAllocation, key.scope(), key.meter(), key.window().id(),
				key.startSecond()).isEmpty();
	}

	private boolean hasLease(WindowKey key, String instance) {
		return this.jdbc.query(this.sql.selectLeases, (rs, n) -> rs.getString(1), key.scope(), key.meter(),
				key.window().id(), key.startSecond()).contains(instance);
	}

	private static void setKey(PreparedStatement statement, int first, WindowKey key) throws SQLException {
		statement.setString(first, key.scope());
		statement.setString(first + 1, key.meter());
		statement.setString(first + 2, key.window().id());
		statement.setLong(first + 3, key.startSecond());
	}

	/**
	 * One lease's give-back: its window, what it gives back, its expiry (epoch millis).
	 *
	 * @param key the window
	 * @param amount what goes back to the allocation (negative: usage taken beyond the lease)
	 * @param expiresAtMillis the lease's expiry
	 */
	record Return(WindowKey key, BigDecimal amount, long expiresAtMillis) {

	}

	private static void addKey(List<Object> args, WindowKey key) {
		args.add(key.scope());
		args.add(key.meter());
		args.add(key.window().id());
		args.add(key.startSecond());
	}

	private static Map<RowKey, WindowKey> byRow(List<WindowKey> keys) {
		Map<RowKey, WindowKey> byRow = new HashMap<>();
		keys.forEach((key) -> byRow.put(new RowKey(key.scope(), key.meter(), key.window().id(), key.startSecond()), key));
		return byRow;
	}

	private static List<List<WindowKey>> partition(List<WindowKey> keys) {
		List<List<WindowKey>> parts = new ArrayList<>();
		for (int from = 0; from < keys.size(); from += ROWS_PER_STATEMENT) {
			parts.add(keys.subList(from, Math.min(keys.size(), from + ROWS_PER_STATEMENT)));
		}
		return parts;
	}

	/**
	 * One window's part of a batch grant.
	 *
	 * @param key the window
	 * @param amount what to grant
	 * @param limit the limit the allocation must stay within
	 */
	record BatchGrant(WindowKey key, BigDecimal amount, BigDecimal limit) {
	}

	private record RowKey(String scope, String meter, String kind, long start) {
	}

}
