package dev.metering.internal.sql;

import java.util.Collections;

/**
 * The rollup job's and the usage readers' statements, the same on every database. What differs
 * per database (the rollup upsert, the fold in the database) is on {@link DatabaseSql}.
 */
public final class RollupSql {

	/** The ledger columns a fold batch reads, in order. */
	public static final String FOLD_COLUMNS = "id, tenant_id, meter, billing_scope_id, quantity, occurred_at";

	/** Locks the progress row until the transaction ends: one batch of all instances at a time. */
	private static final String LOCK_STATE = "SELECT watermark FROM %PREFIX%rollup_state WHERE name = ? FOR UPDATE";

	/**
	 * The open gaps, read as a locking read so that every database returns the latest committed
	 * rows (not an older snapshot) once the progress row is locked.
	 */
	private static final String LOCK_GAPS = "SELECT gap_start, gap_end, first_seen_at FROM %PREFIX%rollup_gap "
			+ "WHERE name = ? FOR UPDATE";

	/**
	 * The next ledger rows above the watermark, by id: an index range scan of the primary key, so
	 * its cost follows the rows returned, never the size of the ledger.
	 */
	private static final String NEW_LEDGER_ROWS = "SELECT " + FOLD_COLUMNS + " FROM %PREFIX%usage_event "
			+ "WHERE id > ? ORDER BY id LIMIT ?";

	/** The ledger rows of one inclusive id range; a recheck of gaps unites several. */
	private static final String LEDGER_ROWS_IN_RANGE = "SELECT " + FOLD_COLUMNS + " FROM %PREFIX%usage_event "
			+ "WHERE id BETWEEN ? AND ?";

	private static final String DELETE_GAP = "DELETE FROM %PREFIX%rollup_gap WHERE name = ? AND gap_start = ?";

	private static final String INSERT_GAP = "INSERT INTO %PREFIX%rollup_gap (name, gap_start, gap_end, "
			+ "first_seen_at) VALUES (?, ?, ?, ?)";

	private static final String UPDATE_STATE = "UPDATE %PREFIX%rollup_state SET watermark = ?, updated_at = ? "
			+ "WHERE name = ?";

	/** When the lowest ledger row above the watermark was recorded: how long unfolded events wait. */
	private static final String OLDEST_UNFOLDED = "SELECT recorded_at FROM %PREFIX%usage_event WHERE id > ? "
			+ "ORDER BY id LIMIT 1";

	/** The ledger's quantity of one tenant or billing scope and meter over {@code [from, to)}. */
	private static final String SUM_LEDGER = "SELECT COALESCE(SUM(quantity), 0) FROM %PREFIX%usage_event "
			+ "WHERE %SCOPE% = ? AND meter = ? AND occurred_at >= ? AND occurred_at < ?";

	/** The same sum for many tenants, one row per tenant with rows ({@code %IDS%}: a list of parameters). */
	private static final String SUM_LEDGER_BY_TENANT = "SELECT tenant_id, SUM(quantity) FROM %PREFIX%usage_event "
			+ "WHERE tenant_id IN (%IDS%) AND meter = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY tenant_id";

	/**
	 * Usage of whole hours as rollups plus the ledger rows the rollup has not folded yet (above
	 * its watermark or in one of its gaps), in one statement, so that both parts come from the
	 * same snapshot and a run committing meanwhile can neither hide a row nor count it twice.
	 */
	private static final String SUM_ROLLUPS_AND_UNFOLDED = "SELECT COALESCE((SELECT SUM(r.quantity) FROM "
			+ "%PREFIX%usage_rollup r WHERE r.%SCOPE% = ? AND r.meter = ? AND r.period_start >= ? "
			+ "AND r.period_start < ?), 0) + COALESCE((SELECT SUM(e.quantity) FROM %PREFIX%usage_event e "
			+ "WHERE e.id >= ? AND e.%SCOPE% = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ? "
			+ "AND (e.id > COALESCE((SELECT s.watermark FROM %PREFIX%rollup_state s WHERE s.name = ?), 0) "
			+ "OR EXISTS (SELECT 1 FROM %PREFIX%rollup_gap g WHERE g.name = ? "
			+ "AND e.id BETWEEN g.gap_start AND g.gap_end))), 0)";

	/** {@link #SUM_ROLLUPS_AND_UNFOLDED} for many tenants in one statement (one snapshot), one row per tenant. */
	private static final String SUM_ROLLUPS_AND_UNFOLDED_BY_TENANT = "SELECT x.tenant_id, SUM(x.quantity) FROM ("
			+ "SELECT r.tenant_id, r.quantity FROM %PREFIX%usage_rollup r WHERE r.tenant_id IN (%IDS%) "
			+ "AND r.meter = ? AND r.period_start >= ? AND r.period_start < ? UNION ALL "
			+ "SELECT e.tenant_id, e.quantity FROM %PREFIX%usage_event e WHERE e.id >= ? AND e.tenant_id IN (%IDS%) "
			+ "AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ? "
			+ "AND (e.id > COALESCE((SELECT s.watermark FROM %PREFIX%rollup_state s WHERE s.name = ?), 0) "
			+ "OR EXISTS (SELECT 1 FROM %PREFIX%rollup_gap g WHERE g.name = ? "
			+ "AND e.id BETWEEN g.gap_start AND g.gap_end))) x GROUP BY x.tenant_id";

	/** A rollup's watermark and the start of its lowest open gap (null when none), without locking. */
	private static final String PROGRESS = "SELECT s.watermark, (SELECT MIN(g.gap_start) FROM %PREFIX%rollup_gap g "
			+ "WHERE g.name = s.name) FROM %PREFIX%rollup_state s WHERE s.name = ?";

	private final TableNames tables;

	private final String lockState;

	private final String lockGaps;

	private final String newLedgerRows;

	private final String ledgerRowsInRange;

	private final String deleteGap;

	private final String insertGap;

	private final String updateState;

	private final String oldestUnfoldedRow;

	private final String progress;

	private final String sumLedgerByTenant;

	private final String sumRollupsAndUnfoldedByTenant;

	/**
	 * The statements for a set of tables.
	 * @param tables the table names
	 */
	public RollupSql(TableNames tables) {
		this.tables = tables;
		this.lockState = tables.resolve(LOCK_STATE);
		this.lockGaps = tables.resolve(LOCK_GAPS);
		this.newLedgerRows = tables.resolve(NEW_LEDGER_ROWS);
		this.ledgerRowsInRange = tables.resolve(LEDGER_ROWS_IN_RANGE);
		this.deleteGap = tables.resolve(DELETE_GAP);
		this.insertGap = tables.resolve(INSERT_GAP);
		this.updateState = tables.resolve(UPDATE_STATE);
		this.oldestUnfoldedRow = tables.resolve(OLDEST_UNFOLDED);
		this.progress = tables.resolve(PROGRESS);
		this.sumLedgerByTenant = tables.resolve(SUM_LEDGER_BY_TENANT);
		this.sumRollupsAndUnfoldedByTenant = tables.resolve(SUM_ROLLUPS_AND_UNFOLDED_BY_TENANT);
	}

	/** @return SQL with parameter the rollup's name, selecting its watermark */
	public String lockState() {
		return this.lockState;
	}

	/** @return SQL with parameter the rollup's name, selecting gap start, gap end, first seen */
	public String lockGaps() {
		return this.lockGaps;
	}

	/** @return SQL with parameters watermark and limit, selecting {@link #FOLD_COLUMNS} */
	public String newLedgerRows() {
		return this.newLedgerRows;
	}

	/**
	 * @param ranges how many inclusive id ranges
	 * @return SQL with parameters start and end of each range, selecting {@link #FOLD_COLUMNS}
	 */
	public String ledgerRowsInRanges(int ranges) {
		return String.join(" UNION ALL ", Collections.nCopies(ranges, this.ledgerRowsInRange));
	}

	/** @return SQL with parameters the rollup's name and the gap's start */
	public String deleteGap() {
		return this.deleteGap;
	}

	/** @return SQL with parameters the rollup's name, gap start, gap end, first seen */
	public String insertGap() {
		return this.insertGap;
	}

	/** @return SQL with parameters watermark, updated_at, the rollup's name */
	public String updateState() {
		return this.updateState;
	}

	/** @return SQL with parameter the watermark, selecting recorded_at */
	public String oldestUnfoldedRow() {
		return this.oldestUnfoldedRow;
	}

	/** @return SQL with parameter the rollup's name, selecting watermark and lowest gap start */
	public String progress() {
		return this.progress;
	}

	/**
	 * @param scopeColumn {@code tenant_id} or {@code billing_scope_id}
	 * @return SQL with parameters id, meter, from, to
	 */
	public String sumLedger(String scopeColumn) {
		return scoped(SUM_LEDGER, scopeColumn);
	}

	/**
	 * @param tenants how many tenants
	 * @return SQL with parameters the tenants, meter, from, to; selecting tenant, sum
	 */
	public String sumLedgerByTenant(int tenants) {
		return this.sumLedgerByTenant.replace("%IDS%", DatabaseSql.values(tenants, "?"));
	}

	/**
	 * @param scopeColumn {@code tenant_id} or {@code billing_scope_id}
	 * @return SQL with parameters id, meter, from, to (rollups); lowest unfolded id (a lower bound
	 * of every unfolded id, which lets the database scan the primary key), id, meter, from, to,
	 * rollup name, rollup name (ledger)
	 */
	public String sumRollupsAndUnfolded(String scopeColumn) {
		return scoped(SUM_ROLLUPS_AND_UNFOLDED, scopeColumn);
	}

	/**
	 * @param tenants how many tenants
	 * @return SQL with parameters the tenants, meter, from, to (rollups); lowest unfolded id, the
	 * tenants, meter, from, to, rollup name, rollup name (ledger); selecting tenant, sum
	 */
	public String sumRollupsAndUnfoldedByTenant(int tenants) {
		return this.sumRollupsAndUnfoldedByTenant.replace("%IDS%", DatabaseSql.values(tenants, "?"));
	}

	private String scoped(String sql, String scopeColumn) {
		if (!"tenant_id".equals(scopeColumn) && !"billing_scope_id".equals(scopeColumn)) {
			throw new IllegalArgumentException("Usage is summed by tenant_id or billing_scope_id, not " + scopeColumn);
		}
		return this.tables.resolve(sql).replace("%SCOPE%", scopeColumn);
	}

}
