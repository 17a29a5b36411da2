package dev.metering.internal.sql;

/**
 * Every statement of the grants (prepaid credits), the same on every database: instants are
 * epoch millis in {@code BIGINT} columns, so nothing differs. A money grant's row has meter
 * {@code '*'}, its currency, and its meters comma-separated ({@code ''} for every meter).
 */
public final class GrantSql {

	private static final String COLUMNS = "grant_id, tenant_id, meter, amount, priority, effective_at, expires_at, "
			+ "voided_at, created_at, created_by, description, recurrence, rollover_max, carried, currency, meters";

	/** Binds every column in {@link #COLUMNS} order. */
	public final String insert;

	/** Binds tenant_id. Rows: every column, oldest first. */
	public final String selectOfTenant;

	/** Binds grant_id. Rows: every column. */
	public final String selectOne;

	/** Binds voided_at, grant_id: only a grant not voided yet. */
	public final String voidGrant;

	/**
	 * Binds now (epoch millis) twice. Rows: tenant_id of every tenant with a grant that has not
	 * ended (not voided, no expiry or one after now).
	 */
	public final String selectTenantsWithLiveGrants;

	/**
	 * Binds an instant (epoch millis). Rows: every column of the recurring grants not voided nor
	 * renewed yet that end by then, oldest end first.
	 */
	public final String selectDueRenewals;

	/** Binds renewed_at, grant_id: only a grant not renewed yet (the one instance that renews it). */
	public final String markRenewed;

	/**
	 * Binds an instant (epoch millis). Rows: every column of the recurring grants with a rollover,
	 * not voided nor rolled over yet, that ended by then, oldest end first.
	 */
	public final String selectDueRollovers;

	/** Binds rolled_over_at, grant_id: only a grant not rolled over yet (the one instance that does it). */
	public final String markRolledOver;

	/** Binds the carried amount twice, grant_id: adds it to a grant not voided. */
	public final String addCarried;

	/** Binds changed_at, actor, action, target, old_value, new_value: the admin audit trail. */
	public final String insertAudit;

	/**
	 * The statements for a set of table names.
	 * @param tables the table names
	 */
	public GrantSql(TableNames tables) {
		String table = tables.grant();
		this.insert = "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
		this.selectOfTenant = "SELECT " + COLUMNS + " FROM " + table + " WHERE tenant_id = ? ORDER BY created_at, grant_id";
		this.selectOne = "SELECT " + COLUMNS + " FROM " + table + " WHERE grant_id = ?";
		this.voidGrant = "UPDATE " + table + " SET voided_at = ? WHERE grant_id = ? AND voided_at IS NULL";
		this.selectTenantsWithLiveGrants = "SELECT DISTINCT tenant_id FROM " + table
				+ " WHERE voided_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND effective_at <= ?";
		this.selectDueRenewals = "SELECT " + COLUMNS + " FROM " + table + " WHERE recurrence IS NOT NULL "
				+ "AND renewed_at IS NULL AND voided_at IS NULL AND expires_at <= ? ORDER BY expires_at, grant_id";
		this.markRenewed = "UPDATE " + table + " SET renewed_at = ? WHERE grant_id = ? AND renewed_at IS NULL "
				+ "AND voided_at IS NULL";
		this.selectDueRollovers = "SELECT " + COLUMNS + " FROM " + table + " WHERE rollover_max IS NOT NULL "
				+ "AND rolled_over_at IS NULL AND voided_at IS NULL AND expires_at <= ? ORDER BY expires_at, grant_id";
		this.markRolledOver = "UPDATE " + table + " SET rolled_over_at = ? WHERE grant_id = ? AND rolled_over_at IS NULL";
		this.addCarried = "UPDATE " + table + " SET amount = amount + ?, carried = ? WHERE grant_id = ? "
				+ "AND voided_at IS NULL";
		this.insertAudit = "INSERT INTO " + tables.quotaAudit()
				+ " (changed_at, actor, action, target, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)";
	}

}
