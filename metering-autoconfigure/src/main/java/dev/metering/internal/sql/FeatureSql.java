package dev.metering.internal.sql;

/**
 * Every statement of the runtime feature values, the same on every database.
 */
public final class FeatureSql {

	/** Rows: scope_kind, scope_id, feature, feature_value. */
	public final String selectAll;

	/** Binds scope_kind, scope_id, feature. Rows: feature_value. */
	public final String selectValue;

	/** Binds scope_kind, scope_id, feature, feature_value, updated_at. */
	public final String insert;

	/** Binds feature_value, updated_at, scope_kind, scope_id, feature. */
	public final String update;

	/** Binds scope_kind, scope_id, feature. */
	public final String delete;

	/**
	 * The statements for a set of table names.
	 * @param tables the table names
	 */
	public FeatureSql(TableNames tables) {
		String table = tables.feature();
		this.selectAll = "SELECT scope_kind, scope_id, feature, feature_value FROM " + table;
		this.selectValue = "SELECT feature_value FROM " + table + " WHERE scope_kind = ? AND scope_id = ? AND feature = ?";
		this.insert = "INSERT INTO " + table + " (scope_kind, scope_id, feature, feature_value, updated_at) "
				+ "VALUES (?, ?, ?, ?, ?)";
		this.update = "UPDATE " + table + " SET feature_value = ?, updated_at = ? WHERE scope_kind = ? AND scope_id = ? "
				+ "AND feature = ?";
		this.delete = "DELETE FROM " + table + " WHERE scope_kind = ? AND scope_id = ? AND feature = ?";
	}

}
