package dev.metering.internal.sql;

import java.util.Collections;

/**
 * The statements of defined meters' rollups ({@code metering_meter_rollup}, {@code _group},
 * {@code _distinct}): plain reads, inserts and updates by primary key, the same on every database.
 * The rollup job merges in Java: only its fold writes these tables, one batch of all instances at
 * a time under the progress row's lock, so a read followed by a write sees no other writer.
 */
public final class MeterSql {

	/** The ledger columns the meter fold reads, in order. */
	private static final String LEDGER_ROWS = "SELECT id, event_id, tenant_id, meter, billing_scope_id, quantity, "
			+ "occurred_at, dimensions FROM %PREFIX%usage_event WHERE (%RANGES%) AND meter IN (%METERS%)";

	/** The rollup columns, in the order {@link #insertRollup()} binds them. */
	public static final String ROLLUP_COLUMNS = "tenant_id, meter, billing_scope_id, period_start, group_key, "
			+ "group_values, quantity, event_count, min_value, max_value, latest_value, latest_at, latest_event_id, "
			+ "updated_at";

	private static final String SELECT_ROLLUPS = "SELECT " + ROLLUP_COLUMNS + " FROM %PREFIX%meter_rollup WHERE %KEYS%";

	private static final String ROLLUP_KEY = "(tenant_id = ? AND meter = ? AND billing_scope_id = ? AND period_start = ?)";

	private static final String INSERT_ROLLUP = "INSERT INTO %PREFIX%meter_rollup (" + ROLLUP_COLUMNS + ") VALUES ("
			+ String.join(", ", Collections.nCopies(14, "?")) + ")";

	private static final String UPDATE_ROLLUP = "UPDATE %PREFIX%meter_rollup SET quantity = ?, event_count = ?, "
			+ "min_value = ?, max_value = ?, latest_value = ?, latest_at = ?, latest_event_id = ?, updated_at = ? "
			+ "WHERE tenant_id = ? AND meter = ? AND billing_scope_id = ? AND period_start = ? AND group_key = ?";

	private static final String SELECT_GROUPS = "SELECT group_key FROM %PREFIX%meter_group WHERE tenant_id = ? "
			+ "AND meter = ? AND period_start = ?";

	private static final String INSERT_GROUP = "INSERT INTO %PREFIX%meter_group (tenant_id, meter, period_start, "
			+ "group_key, group_values) VALUES (?, ?, ?, ?, ?)";

	private static final String DISTINCT_KEY = "tenant_id = ? AND meter = ? AND billing_scope_id = ? "
			+ "AND period_start = ? AND group_key = ?";

	private static final String SELECT_DISTINCT = "SELECT distinct_value, first_seen FROM %PREFIX%meter_distinct "
			+ "WHERE " + DISTINCT_KEY + " AND distinct_value IN (%VALUES%)";

	private static final String COUNT_DISTINCT = "SELECT COUNT(*) FROM %PREFIX%meter_distinct WHERE " + DISTINCT_KEY;

	private static final String INSERT_DISTINCT = "INSERT INTO %PREFIX%meter_distinct (tenant_id, meter, "
			+ "billing_scope_id, period_start, group_key, distinct_value, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?)";

	private static final String UPDATE_DISTINCT = "UPDATE %PREFIX%meter_distinct SET first_seen = ? WHERE "
			+ DISTINCT_KEY + " AND distinct_value = ?";

	private static final String ROLLUPS_IN_WINDOW = "SELECT " + ROLLUP_COLUMNS + " FROM %PREFIX%meter_rollup "
			+ "WHERE %SCOPE% = ? AND meter = ? AND period_start >= ? AND period_start < ?";

	private static final String UNIQUE_COUNTS = "SELECT group_key, COUNT(DISTINCT distinct_value) FROM "
			+ "%PREFIX%meter_distinct WHERE %SCOPE% = ? AND meter = ? AND period_start = ? AND first_seen < ? "
			+ "GROUP BY group_key";

	/** The values of the groups with rollups in a window (a group's values are the same for every tenant). */
	private static final String GROUP_VALUES = "SELECT DISTINCT group_key, group_values FROM %PREFIX%meter_rollup "
			+ "WHERE %SCOPE% = ? AND meter = ? AND period_start >= ? AND period_start < ?";

	private final TableNames tables;

	MeterSql(TableNames tables) {
		this.tables = tables;
	}

	/**
	 * The ledger rows of some meters in inclusive id ranges, every id of which exists.
	 * @param ranges how many ranges
	 * @param meters how many meters
	 * @return SQL with parameters start and end of each range, then the meters; selecting id,
	 * event id, tenant, meter, billing scope, quantity, occurred_at, dimensions
	 */
	public String ledgerRows(int ranges, int meters) {
		return this.tables.resolve(LEDGER_ROWS)
			.replace("%RANGES%", String.join(" OR ", Collections.nCopies(ranges, "id BETWEEN ? AND ?")))
			.replace("%METERS%", DatabaseSql.values(meters, "?"));
	}

	/**
	 * @param keys how many (tenant, meter, billing scope, hour) keys
	 * @return SQL with parameters tenant, meter, billing scope, hour per key; selecting {@link #ROLLUP_COLUMNS}
	 * of every group of those hours
	 */
	public String selectRollups(int keys) {
		return this.tables.resolve(SELECT_ROLLUPS).replace("%KEYS%", String.join(" OR ", Collections.nCopies(keys, ROLLUP_KEY)));
	}

	/** @return SQL with parameters {@link #ROLLUP_COLUMNS} in order */
	public String insertRollup() {
		return this.tables.resolve(INSERT_ROLLUP);
	}

	/**
	 * @return SQL with parameters quantity, event count, min, max, latest value, latest at, latest
	 * event id, updated_at, then the key: tenant, meter, billing scope, hour, group key
	 */
	public String updateRollup() {
		return this.tables.resolve(UPDATE_ROLLUP);
	}

	/** @return SQL with parameters tenant, meter, month; selecting group key */
	public String selectGroups() {
		return this.tables.resolve(SELECT_GROUPS);
	}

	/** @return SQL with parameters tenant, meter, month, group key, group values */
	public String insertGroup() {
		return this.tables.resolve(INSERT_GROUP);
	}

	/**
	 * @param scopeColumn {@code tenant_id} or {@code billing_scope_id}
	 * @return SQL with parameters the scope, meter, from, to; selecting group key, group values
	 */
	public String groupValues(String scopeColumn) {
		return scoped(GROUP_VALUES, scopeColumn);
	}

	/**
	 * @param values how many values
	 * @return SQL with parameters tenant, meter, billing scope, month, group key, then the values;
	 * selecting value, first seen
	 */
	public String selectDistinct(int values) {
		return this.tables.resolve(SELECT_DISTINCT).replace("%VALUES%", DatabaseSql.values(values, "?"));
	}

	/** @return SQL with parameters tenant, meter, billing scope, month, group key; selecting the count */
	public String countDistinct() {
		return this.tables.resolve(COUNT_DISTINCT);
	}

	/** @return SQL with parameters tenant, meter, billing scope, month, group key, value, first seen */
	public String insertDistinct() {
		return this.tables.resolve(INSERT_DISTINCT);
	}

	/** @return SQL with parameters first seen, then tenant, meter, billing scope, month, group key, value */
	public String updateDistinct() {
		return this.tables.resolve(UPDATE_DISTINCT);
	}

	/**
	 * @param scopeColumn {@code tenant_id} or {@code billing_scope_id}
	 * @return SQL with parameters the scope, meter, from, to; selecting {@link #ROLLUP_COLUMNS}
	 */
	public String rollupsInWindow(String scopeColumn) {
		return scoped(ROLLUPS_IN_WINDOW, scopeColumn);
	}

	/**
	 * @param scopeColumn {@code tenant_id} or {@code billing_scope_id}
	 * @return SQL with parameters the scope, meter, month, before; selecting group key and the
	 * count of distinct values first seen before the instant
	 */
	public String uniqueCounts(String scopeColumn) {
		return scoped(UNIQUE_COUNTS, scopeColumn);
	}

	private String scoped(String sql, String scopeColumn) {
		if (!"tenant_id".equals(scopeColumn) && !"billing_scope_id".equals(scopeColumn)) {
			throw new IllegalArgumentException("Meters are read by tenant_id or billing_scope_id, not " + scopeColumn);
		}
		return this.tables.resolve(sql).replace("%SCOPE%", scopeColumn);
	}

}
