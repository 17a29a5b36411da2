package dev.metering.internal.sql;

import java.util.stream.Collectors;

/**
 * H2's statements where it differs: {@code INSERT ... SELECT ... WHERE NOT EXISTS} for the ledger
 * (H2 has no {@code ON CONFLICT DO NOTHING} outside its PostgreSQL mode) and {@code MERGE} for
 * upserts. H2 cannot infer a parameter's type in a SELECT list, hence the casts.
 */
public final class H2Sql extends DatabaseSql {

	/** The columns as typed parameters. */
	private static final String TYPED_PARAMETERS = EventColumn.ALL.stream()
		.map((column) -> "CAST(? AS " + castType(column.type()) + ")")
		.collect(Collectors.joining(", "));

	/**
	 * Each statement of a JDBC batch sees the rows of the statements before it, so duplicates
	 * inside one batch are skipped too. The idempotency check runs only for keyed events: H2 would
	 * otherwise range-scan the tenant's rows for a NULL key on every insert, which makes a large
	 * ledger quadratic.
	 */
	private static final String INSERT_EVENT = "INSERT INTO %PREFIX%usage_event (" + EventColumn.names() + ") "
			+ "SELECT " + TYPED_PARAMETERS + " FROM (VALUES (0)) AS one(x) "
			+ "WHERE NOT EXISTS (SELECT 1 FROM %PREFIX%usage_event WHERE event_id = CAST(? AS UUID)) "
			+ "AND (CAST(? AS VARCHAR) IS NULL OR NOT EXISTS (SELECT 1 FROM %PREFIX%usage_event "
			+ "WHERE tenant_id = CAST(? AS VARCHAR) AND idempotency_key = CAST(? AS VARCHAR)))";

	private static final String INSERT_STATE = "INSERT INTO %PREFIX%rollup_state (name, watermark, updated_at) "
			+ "SELECT CAST(? AS VARCHAR), 0, CAST(? AS TIMESTAMP WITH TIME ZONE) FROM (VALUES (0)) AS one(x) "
			+ "WHERE NOT EXISTS (SELECT 1 FROM %PREFIX%rollup_state WHERE name = CAST(? AS VARCHAR))";

	private static final String UPSERT_ROLLUP = "MERGE INTO %PREFIX%usage_rollup AS r USING (VALUES (CAST(? AS VARCHAR), "
			+ "CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TIMESTAMP WITH TIME ZONE), "
			+ "CAST(? AS NUMERIC(38, 9)), CAST(? AS BIGINT), CAST(? AS TIMESTAMP WITH TIME ZONE))) "
			+ "AS v(" + ROLLUP_COLUMNS + ") "
			+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.billing_scope_id = v.billing_scope_id "
			+ "AND r.period_start = v.period_start "
			+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
			+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
			+ "WHEN NOT MATCHED THEN INSERT (" + ROLLUP_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
			+ "v.billing_scope_id, v.period_start, v.quantity, v.event_count, v.updated_at)";

	private final String insertEvent;

	private final String insertState;

	private final String upsertRollup;

	/**
	 * H2's statements for a set of tables.
	 * @param tables the table names
	 */
	public H2Sql(TableNames tables) {
		super(tables, LedgerDatabase.H2);
		this.insertEvent = tables.resolve(INSERT_EVENT);
		this.insertState = tables.resolve(INSERT_STATE);
		this.upsertRollup = tables.resolve(UPSERT_ROLLUP);
	}

	/**
	 * Inserts one event unless its id, or its tenant's idempotency key, is in the ledger.
	 * @return SQL with parameters the {@link EventColumn}s in order, then event id, idempotency
	 * key, tenant, idempotency key
	 */
	public String insertEvent() {
		return this.insertEvent;
	}

	@Override
	public String insertRollupState() {
		return this.insertState;
	}

	/**
	 * Adds one delta to its rollup row, creating it when missing; run as a JDBC batch.
	 * @return SQL with parameters tenant, meter, billing scope, period start, quantity, event count, updated_at
	 */
	public String upsertRollup() {
		return this.upsertRollup;
	}

	@Override
	String hour(String column) {
		return "DATE_TRUNC(HOUR, " + column + " AT TIME ZONE 'UTC')";
	}

	@Override
	String day(String column) {
		return "DATE_TRUNC(DAY, " + column + " AT TIME ZONE 'UTC')";
	}

	@Override
	String now() {
		return "CAST(? AS TIMESTAMP WITH TIME ZONE)";
	}

	@Override
	String upsert(String sums) {
		return "MERGE INTO " + tables().usageRollup() + " AS r USING (" + sums + ") AS v "
				+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.billing_scope_id = v.billing_scope_id "
				+ "AND r.period_start = v.period_start "
				+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
				+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
				+ "WHEN NOT MATCHED THEN INSERT (" + ROLLUP_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
				+ "v.billing_scope_id, v.period_start, v.quantity, v.event_count, v.updated_at)";
	}

	@Override
	String userUpsert(String sums) {
		return "MERGE INTO " + tables().usageUserRollup() + " AS r USING (" + sums + ") AS v "
				+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.period_start = v.period_start "
				+ "AND r.user_id = v.user_id "
				+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
				+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
				+ "WHEN NOT MATCHED THEN INSERT (" + USER_ROLLUP_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
				+ "v.period_start, v.user_id, v.quantity, v.event_count, v.updated_at)";
	}

	@Override
	String userDayUpsert(String sums) {
		return "MERGE INTO " + tables().usageUserDay() + " AS r USING (" + sums + ") AS v "
				+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.day_start = v.day_start "
				+ "AND r.user_id = v.user_id "
				+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
				+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
				+ "WHEN NOT MATCHED THEN INSERT (" + USER_DAY_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
				+ "v.day_start, v.user_id, v.quantity, v.event_count, v.updated_at)";
	}

	@Override
	public String insertAllocations(int rows) {
		return "MERGE INTO " + tables().quotaAllocation() + " a USING " + derived(rows, CREATE) + " ON (" + KEY_JOIN
				+ ") WHEN NOT MATCHED THEN INSERT" + ALLOCATION_COLUMNS + " VALUES (v.s, v.m, v.k, v.st, v.g, 0)";
	}

	@Override
	public String insertTokenAllocations(int rows) {
		return "MERGE INTO " + tables().quotaAllocation() + " a USING "
				+ derived(rows, LeaseColumn.S, LeaseColumn.M, LeaseColumn.K, LeaseColumn.ST, LeaseColumn.G,
						LeaseColumn.EXP)
				+ " ON (" + KEY_JOIN + ") WHEN NOT MATCHED THEN INSERT" + ALLOCATION_COLUMNS
				+ " VALUES (v.s, v.m, v.k, v.st, v.g, v.exp)";
	}

	@Override
	public String grantAllocations(int rows) {
		return "MERGE INTO " + tables().quotaAllocation() + " a USING " + derived(rows, GRANT) + " ON (" + KEY_JOIN
				+ ") WHEN MATCHED AND a.granted + v.amount <= v.lim THEN UPDATE SET granted = a.granted + v.amount, "
				+ "version = ?";
	}

	@Override
	public boolean tokenFirst() {
		return false;
	}

	@Override
	public String upsertLeases(int rows) {
		return "MERGE INTO " + tables().quotaLease() + " a USING " + derived(rows, LEASE) + " ON (" + KEY_JOIN
				+ " AND a.instance_id = v.i) WHEN MATCHED THEN UPDATE SET amount = a.amount + v.amount, "
				+ "expires_at = v.exp WHEN NOT MATCHED THEN INSERT" + LEASE_COLUMNS
				+ " VALUES (v.s, v.m, v.k, v.st, v.i, v.amount, 0, v.exp)";
	}

	@Override
	public String upsertDistinct(int rows) {
		String row = "(CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TIMESTAMP WITH TIME ZONE), "
				+ "CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TIMESTAMP WITH TIME ZONE))";
		return "MERGE INTO " + tables().meterDistinct() + " AS d USING (VALUES " + values(rows, row) + ") AS v("
				+ DISTINCT_COLUMNS + ") ON d.tenant_id = v.tenant_id AND d.meter = v.meter "
				+ "AND d.billing_scope_id = v.billing_scope_id AND d.period_start = v.period_start "
				+ "AND d.group_key = v.group_key AND d.distinct_value = v.distinct_value "
				+ "WHEN MATCHED AND v.first_seen < d.first_seen THEN UPDATE SET first_seen = v.first_seen "
				+ "WHEN NOT MATCHED THEN INSERT (" + DISTINCT_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
				+ "v.billing_scope_id, v.period_start, v.group_key, v.distinct_value, v.first_seen)";
	}

	private static String castType(EventColumn.Type type) {
		return switch (type) {
			case UUID -> "UUID";
			case TEXT, JSON -> "VARCHAR";
			case DECIMAL -> "NUMERIC(38, 9)";
			case TIMESTAMP -> "TIMESTAMP WITH TIME ZONE";
		};
	}

}
