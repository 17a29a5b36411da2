package dev.metering.internal.sql;

import java.util.Collections;

/**
 * The statements of defined meters' rollups ({@code metering_meter_rollup}, {@code _group},
 * {@code _distinct}): plain reads, multi-row inserts and updates by primary key, the same on every
 * database (the distinct values' upsert is each database's: {@link DatabaseSql#upsertDistinct(int)}).
 * The rollup job merges in Java: only its fold writes these tables, one batch of all instances at
 * a time under the progress row's lock, so a read followed by a write sees no other writer.
 */
public final class MeterSql {

	/** The ledger columns the meter fold reads, in order. */
	private static final String LEDGER_ROWS = "SELECT id, event_id, tenant_id, meter, billing_scope_id, quantity, "
			+ "occurred_at, dimensions, corrects_event_id FROM %PREFIX%usage_event WHERE (%RANGES%) AND meter IN (%METERS%)";

	/**
	 * The events (not compensating rows) of a window at their corrected quantities (the event's
	 * plus its corrections'), voided events left out. Parameters: scope, meter, from, to.
	 */
	private static final String CORRECTED_IN_WINDOW = "SELECT e.id, e.event_id, e.tenant_id, e.meter, "
			+ "e.billing_scope_id, e.quantity + COALESCE((SELECT SUM(c.quantity) FROM %PREFIX%usage_event c "
			+ "WHERE c.corrects_event_id = e.event_id), 0), e.occurred_at, e.dimensions FROM %PREFIX%usage_event e "
			+ "WHERE e.%SCOPE% = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ? "
			+ "AND e.corrects_event_id IS NULL AND NOT EXISTS (SELECT 1 FROM %PREFIX%usage_event v "
			+ "WHERE v.corrects_event_id = e.event_id AND v.source = '" + CorrectionSql.VOID + "')";

	/** The events among some that have a correction. Parameters: the event ids. */
	private static final String CORRECTED_EVENTS = "SELECT DISTINCT corrects_event_id FROM %PREFIX%usage_event "
			+ "WHERE corrects_event_id IN (%VALUES%)";

	private static final String DELETE_ROLLUPS = "DELETE FROM %PREFIX%meter_rollup WHERE tenant_id = ? AND meter = ? "
			+ "AND billing_scope_id = ? AND period_start = ?";

	private static final String DELETE_DISTINCT = "DELETE FROM %PREFIX%meter_distinct WHERE tenant_id = ? "
			+ "AND meter = ? AND billing_scope_id = ? AND period_start = ?";

	/** The rollup columns, in the order {@link #insertRollup()} binds them. */
	public static final String ROLLUP_COLUMNS = "tenant_id, meter, billing_scope_id, period_start, group_key, "
			+ "group_values, quantity, event_count, min_value, max_value, latest_value, latest_at, latest_event_id, "
			+ "updated_at";

	private static final String SELECT_ROLLUPS = "SELECT " + ROLLUP_COLUMNS + " FROM %PREFIX%meter_rollup WHERE %KEYS%";

	private static final String ROLLUP_KEY = "(tenant_id = ? AND meter = ? AND billing_scope_id = ? AND period_start = ?)";

	private static final String INSERT_ROLLUPS = "INSERT INTO %PREFIX%meter_rollup (" + ROLLUP_COLUMNS + ") VALUES ";

	private static final String ROLLUP_ROW = "(" + String.join(", ", Collections.nCopies(14, "?")) + ")";

	private static final String UPDATE_ROLLUP = "UPDATE %PREFIX%meter_rollup SET quantity = ?, event_count = ?, "
			+ "min_value = ?, max_value = ?, latest_value = ?, latest_at = ?, latest_event_id = ?, updated_at = ? "
			+ "WHERE tenant_id = ? AND meter = ? AND billing_scope_id = ? AND period_start = ? AND group_key = ?";

	private static final String SELECT_GROUPS = "SELECT group_key FROM %PREFIX%meter_group WHERE tenant_id = ? "
			+ "AND meter = ? AND period_start = ?";

	private static final String INSERT_GROUPS = "INSERT INTO %PREFIX%meter_group (tenant_id, meter, period_start, "
			+ "group_key, group_values) VALUES ";

	private static final String DISTINCT_KEY = "tenant_id = ? AND meter = ? AND billing_scope_id = ? "
			+ "AND period_start = ? AND group_key = ?";

	private static final String SELECT_DISTINCT = "SELECT distinct_value, first_seen FROM %PREFIX%meter_distinct "
			+ "WHERE " + DISTINCT_KEY + " AND distinct_value IN (%VALUES%)";

	private static final String COUNT_DISTINCT = "SELECT COUNT(*) FROM %PREFIX%meter_distinct WHERE " + DISTINCT_KEY;


	private static final String ROLLUPS_IN_WINDOW = "SELECT " + ROLLUP_COLUMNS + " FROM %PREFIX%meter_rollup "
			+ "WHERE %SCOPE% = ? AND meter = ? AND period_start >= ? AND period_start < ?";

	private static final String UNIQUE_COUNTS = "SELECT group_key, COUNT(DISTINCT distinct_value) FROM "
			+ "%PREFIX%meter_distinct WHERE %SCOPE% = ? AND meter = ? AND period_start = ? AND first_seen < ? "
			+ "GROUP BY group_key";

	/** The values of the groups with rollups in a window (a group's values are the same for every tenant). */
	private static final String GROUP_VALUES = "SELECT DISTINCT group_key, group_values FROM %PREFIX%meter_rollup "
			+ "WHERE %SCOPE% = ? AND meter = ? AND period_start >= ? AND period_start < ?";

	/**
	 * Ledger rows the rollup job has not folded yet: at or above the lowest unfolded id, and above
	 * the watermark or in an open gap. Parameters: lowest id, rollup name, rollup name.
	 */
	private static final String UNFOLDED = "e.id >= ? AND (e.id > COALESCE((SELECT s.watermark FROM "
			+ "%PREFIX%rollup_state s WHERE s.name = ?), 0) OR EXISTS (SELECT 1 FROM %PREFIX%rollup_gap g "
			+ "WHERE g.name = ? AND e.id BETWEEN g.gap_start AND g.gap_end))";

	private static final String LEDGER_IN_WINDOW = "e.%SCOPE% = ? AND e.meter = ? AND e.occurred_at >= ? "
			+ "AND e.occurred_at < ?";

	/**
	 * Hourly group rollups and unfolded ledger rows in one statement, so both parts see one
	 * snapshot: a rollup run committing meanwhile cannot make a row count twice or not at all.
	 * A rollup row leaves the last two columns null, a ledger row the group values and latest id.
	 */
	private static final String HOURS_AND_UNFOLDED = "SELECT r.period_start, r.group_values, r.quantity, "
			+ "r.event_count, r.min_value, r.max_value, r.latest_value, r.latest_at, r.latest_event_id, NULL, NULL, NULL "
			+ "FROM %PREFIX%meter_rollup r WHERE r.%SCOPE% = ? AND r.meter = ? AND r.period_start >= ? "
			+ "AND r.period_start < ? UNION ALL SELECT e.occurred_at, NULL, e.quantity, 1, e.quantity, e.quantity, "
			+ "e.quantity, e.occurred_at, NULL, e.event_id, e.dimensions, e.corrects_event_id FROM "
			+ "%PREFIX%usage_event e WHERE "
			+ LEDGER_IN_WINDOW + " AND " + UNFOLDED;

	private static final String UNFOLDED_DIMENSIONS = "SELECT e.occurred_at, e.dimensions, e.corrects_event_id, "
			+ "e.source FROM %PREFIX%usage_event e WHERE " + LEDGER_IN_WINDOW + " AND " + UNFOLDED;

	/** The events of a window, compensating rows and voided events left out. */
	private static final String LEDGER_DIMENSIONS = "SELECT e.occurred_at, e.dimensions FROM %PREFIX%usage_event e "
			+ "WHERE " + LEDGER_IN_WINDOW + " AND e.corrects_event_id IS NULL AND NOT EXISTS (SELECT 1 FROM "
			+ "%PREFIX%usage_event v WHERE v.corrects_event_id = e.event_id AND v.source = '" + CorrectionSql.VOID
			+ "')";

	private static final String DISTINCT_IN_MONTHS = " FROM %PREFIX%meter_distinct WHERE %SCOPE% = ? AND meter = ? "
			+ "AND period_start >= ? AND period_start < ? AND first_seen < ?";

	private static final String COUNT_DISTINCT_IN_MONTHS = "SELECT COUNT(DISTINCT distinct_value)" + DISTINCT_IN_MONTHS;

	private static final String DISTINCT_VALUES_IN_MONTHS = "SELECT group_key, distinct_value" + DISTINCT_IN_MONTHS;

	private static final String KNOWN_DISTINCT_IN_MONTHS = "SELECT DISTINCT distinct_value" + DISTINCT_IN_MONTHS
			+ " AND distinct_value IN (%VALUES%)";

	private static final String ROLLUP_GROUP_VALUES = "SELECT DISTINCT group_key, group_values FROM "
			+ "%PREFIX%meter_rollup WHERE %SCOPE% = ? AND meter = ? AND period_start >= ? AND period_start < ?";

	private final TableNames tables;

	MeterSql(TableNames tables) {
		this.tables = tables;
	}

	/**
	 * The ledger rows of some meters in inclusive id ranges, every id of which exists.
	 * @param ranges how many ranges
	 * @param meters how many meters
	 * @return SQL with parameters start and end of each range, then the meters; selecting id,
	 * event id, tenant, meter, billing scope, quantity, occurred_at, dimensions, corrected event id
	 */
	public String ledgerRows(int ranges, int meters) {
		return this.tables.resolve(LEDGER_ROWS)
			.replace("%RANGES%", String.join(" OR ", Collections.nCopies(ranges, "id BETWEEN ? AND ?")))
			.replace("%METERS%", DatabaseSql.values(meters, "?"));
	}

	/**
	 * @param events how many event ids
	 * @return SQL with parameters the event ids; selecting those that have a correction
	 */
	public String correctedEvents(int events) {
		return this.tables.resolve(CORRECTED_EVENTS).replace("%VALUES%", DatabaseSql.values(events, "?"));
	}

	/** @return SQL with parameters tenant, meter, billing scope, hour: deletes every group of the hour */
	public String deleteRollups() {
		return this.tables.resolve(DELETE_ROLLUPS);
	}

	/** @return SQL with parameters tenant, meter, billing scope, month: deletes every group's values */
	public String deleteDistinct() {
		return this.tables.resolve(DELETE_DISTINCT);
	}

	/**
	 * @param keys how many (tenant, meter, billing scope, hour) keys
	 * @return SQL with parameters tenant, meter, billing scope, hour per key; selecting {@link #ROLLUP_COLUMNS}
	 * of every group of those hours
	 */
	public String selectRollups(int keys) {
		return this.tables.resolve(SELECT_ROLLUPS).replace("%KEYS%", String.join(" OR ", Collections.nCopies(keys, ROLLUP_KEY)));
	}

	/**
	 * @param rows how many rows
	 * @return SQL with parameters {@link #ROLLUP_COLUMNS} in order, per row
	 */
	public String insertRollups(int rows) {
		return this.tables.resolve(INSERT_ROLLUPS) + DatabaseSql.values(rows, ROLLUP_ROW);
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

	/**
	 * @param rows how many groups
	 * @return SQL with parameters tenant, meter, month, group key, group values per group
	 */
	public String insertGroups(int rows) {
		return this.tables.resolve(INSERT_GROUPS) + DatabaseSql.values(rows, "(?, ?, ?, ?, ?)");
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

	/**
	 * Statements that read by a ledger column name, a constant of the kit ({@code tenant_id} or
	 * {@code billing_scope_id}), never input.
	 * @param column the column
	 * @return the reads of defined meters' usage by that column
	 */
	public Usage usage(String column) {
		if (!"tenant_id".equals(column) && !"billing_scope_id".equals(column)) {
			throw new IllegalArgumentException("Not a scope column: " + column);
		}
		return new Usage(this.tables, column);
	}

	/** The reads of defined meters' usage by tenant or by billing scope. */
	public static final class Usage {

		private final TableNames tables;

		private final String column;

		Usage(TableNames tables, String column) {
			this.tables = tables;
			this.column = column;
		}

		private String resolve(String sql) {
			return this.tables.resolve(sql).replace("%SCOPE%", this.column);
		}

		/**
		 * @return SQL with parameters scope, meter, from, to, scope, meter, from, to, lowest
		 * unfolded id, rollup name, rollup name; selecting hour or occurred_at, group values,
		 * quantity, count, min, max, latest, latest at, latest event id, then (ledger rows only)
		 * event id, dimensions and the id of the event a compensating row corrects
		 */
		public String hoursAndUnfolded() {
			return resolve(HOURS_AND_UNFOLDED);
		}

		/**
		 * @return SQL with parameters scope, meter, from, to, lowest unfolded id, rollup name,
		 * rollup name; selecting occurred_at, dimensions, corrected event id, source
		 */
		public String unfoldedDimensions() {
			return resolve(UNFOLDED_DIMENSIONS);
		}

		/**
		 * @return SQL with parameters scope, meter, from, to; selecting id, event id, tenant, meter,
		 * billing scope, corrected quantity, occurred_at, dimensions of the events not voided
		 */
		public String correctedRows() {
			return resolve(CORRECTED_IN_WINDOW);
		}

		/**
		 * @return SQL with parameters scope, meter, from, to; selecting occurred_at, dimensions of
		 * the events not voided (compensating rows left out)
		 */
		public String ledgerDimensions() {
			return resolve(LEDGER_DIMENSIONS);
		}

		/** @return SQL with parameters scope, meter, first month, end month, before; selecting the count */
		public String countDistinct() {
			return resolve(COUNT_DISTINCT_IN_MONTHS);
		}

		/**
		 * @return SQL with parameters scope, meter, first month, end month, before; selecting
		 * group key, value
		 */
		public String distinctValues() {
			return resolve(DISTINCT_VALUES_IN_MONTHS);
		}

		/**
		 * @param values how many values
		 * @return SQL with parameters scope, meter, first month, end month, before, then the
		 * values; selecting those kept
		 */
		public String knownDistinct(int values) {
			return resolve(KNOWN_DISTINCT_IN_MONTHS).replace("%VALUES%", DatabaseSql.values(values, "?"));
		}

		/** @return SQL with parameters scope, meter, from, to; selecting group key, group values */
		public String groupValues() {
			return resolve(ROLLUP_GROUP_VALUES);
		}

	}

}
