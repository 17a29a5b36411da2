package dev.metering.internal.sql;

/**
 * Every statement of the grants (prepaid credits), the same on every database: instants are
 * epoch millis in {@code BIGINT} columns, so nothing differs.
 */
public final class GrantSql {

	private static final String COLUMNS = "grant_id, tenant_id, meter, amount, priority, effective_at, expires_at, "
			+ "voided_at, created_at, created_by, description";

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

	/** Binds changed_at, actor, action, target, old_value, new_value: the admin audit trail. */
	public final String insertAudit;

	/**
	 * The statements for a set of table names.
	 * @param tables the table names
	 */
	public GrantSql(TableNames tables) {
		String table = tables.grant();
		this.insert = "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
		this.selectOfTenant = "SELECT " + COLUMNS + " FROM " + table + " WHERE tenant_id = ? ORDER BY created_at, grant_id";
		this.selectOne = "SELECT " + COLUMNS + " FROM " + table + " WHERE grant_id = ?";
		this.voidGrant = "UPDATE " + table + " SET voided_at = ? WHERE grant_id = ? AND voided_at IS NULL";
		this.selectTenantsWithLiveGrants = "SELECT DISTINCT tenant_id FROM " + table
				+ " WHERE voided_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND effective_at <= ?";
		this.insertAudit = "INSERT INTO " + tables.quotaAudit()
				+ " (changed_at, actor, action, target, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)";
	}

}
