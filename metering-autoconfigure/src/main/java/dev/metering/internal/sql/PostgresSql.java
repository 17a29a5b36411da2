package dev.metering.internal.sql;

import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * PostgreSQL's statements where it differs: the ledger's {@code COPY} with its look-up of
 * existing keys and its batch sums, {@code unnest} arrays for multi-row statements,
 * {@code ON CONFLICT} upserts, the whole fold batch in one statement, and {@code LISTEN/NOTIFY}
 * for the invalidation bus.
 * <p>
 * Over 350 lines: every statement in which PostgreSQL differs from the other databases is here,
 * one place per dialect (the defined meters' batch aggregates have their own class).
 */
public final class PostgresSql extends DatabaseSql {

	/**
	 * Each key probes its unique index through a LATERAL ... LIMIT 1, a shape the planner can only
	 * run as index look-ups: the plainer "event_id = ANY (?)" or a join with unnest was planned, for
	 * a large batch against a large ledger, as a sequential scan or a hash of the whole ledger.
	 */
	private static final String FIND_EXISTING = "SELECT x.id, NULL, NULL FROM unnest(CAST(? AS uuid[])) AS x(id) "
			+ "CROSS JOIN LATERAL (SELECT 1 FROM %PREFIX%usage_event e WHERE e.event_id = x.id LIMIT 1) AS hit "
			+ "UNION ALL SELECT NULL, x.t, x.k FROM unnest(CAST(? AS varchar[]), CAST(? AS varchar[])) AS x(t, k) "
			+ "CROSS JOIN LATERAL (SELECT 1 FROM %PREFIX%usage_event e "
			+ "WHERE e.tenant_id = x.t AND e.idempotency_key = x.k LIMIT 1) AS hit";

	private static final String COPY_EVENTS = "COPY %PREFIX%usage_event (" + EventColumn.names()
			+ ") FROM STDIN (FORMAT binary)";

	/**
	 * The privilege functions take an oid, so a missing table or sequence gives null, not an error.
	 */
	private static final String FIND_SUM_TARGET = "SELECT sums IS NOT NULL, seq, "
			+ "COALESCE(has_table_privilege(CAST(sums AS oid), 'INSERT') AND has_sequence_privilege("
			+ "CAST(to_regclass(seq) AS oid), 'USAGE'), false) FROM (SELECT to_regclass(?) AS sums, "
			+ "pg_get_serial_sequence(?, 'id') AS seq) t";

	private static final String NEXT_ID = "SELECT nextval(CAST(? AS regclass))";

	private static final String INSERT_SUMS = "WITH run AS (SELECT CAST(? AS bigint) AS first_id, "
			+ "currval(CAST(? AS regclass)) AS last_id) INSERT INTO %PREFIX%usage_event_sum (first_id, last_id, "
			+ "tenant_id, meter, billing_scope_id, period_start, user_id, quantity, event_count) SELECT run.first_id, "
			+ "run.last_id, s.* FROM run, unnest(CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), "
			+ "CAST(? AS timestamptz[]), CAST(? AS varchar[]), CAST(? AS numeric[]), CAST(? AS bigint[])) AS s "
			+ "WHERE run.last_id - run.first_id = ?";

	private static final String INSERT_UNNEST = "INSERT INTO %PREFIX%usage_event (" + EventColumn.names()
			+ ") SELECT * FROM unnest(" + EventColumn.ALL.stream()
				.map((column) -> "CAST(? AS " + arrayType(column.type()) + ")")
				.collect(Collectors.joining(", "))
			+ ") ON CONFLICT DO NOTHING";

	private static final String INSERT_STATE = "INSERT INTO %PREFIX%rollup_state (name, watermark, updated_at) "
			+ "VALUES (?, 0, ?) ON CONFLICT DO NOTHING";

	private static final String UPSERT_ROLLUPS = "INSERT INTO %PREFIX%usage_rollup AS r (" + ROLLUP_COLUMNS + ") "
			+ "SELECT t, m, b, p, q, c, CAST(? AS timestamptz) FROM unnest(CAST(? AS varchar[]), "
			+ "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS timestamptz[]), CAST(? AS numeric[]), "
			+ "CAST(? AS bigint[])) AS x(t, m, b, p, q, c) "
			+ "ON CONFLICT (tenant_id, meter, billing_scope_id, period_start) DO UPDATE SET "
			+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
			+ "updated_at = EXCLUDED.updated_at";

	/**
	 * Planner settings for a fold batch's transaction only, in one round trip. The batch is grouped
	 * by hashing: the planner, which cannot know the keys of the rows a {@code LIMIT} takes, would
	 * sort it (on disk, at the default memory) where the real keys are few; no other statement of
	 * the transaction sorts. JIT compilation is off: the batch's estimated cost made PostgreSQL
	 * compile it with LLVM on every run, for a plan that runs once.
	 */
	private static final String PLANNER_SETTINGS = "SELECT set_config('work_mem', '64MB', true), "
			+ "set_config('enable_sort', 'off', true), set_config('jit', 'off', true)";

	private static final String NOTIFY = "SELECT pg_notify(?, ?)";

	private static final Pattern CHANNEL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

	private final String findExisting;

	private final String copyEvents;

	private final String insertSums;

	private final String insertUnnest;

	private final PostgresMeterBatchSql meterBatches;

	private final String insertState;

	private final String upsertRollups;

	/**
	 * PostgreSQL's statements for a set of tables.
	 * @param tables the table names
	 */
	public PostgresSql(TableNames tables) {
		super(tables, LedgerDatabase.POSTGRESQL);
		this.findExisting = tables.resolve(FIND_EXISTING);
		this.copyEvents = tables.resolve(COPY_EVENTS);
		this.insertSums = tables.resolve(INSERT_SUMS);
		this.insertUnnest = tables.resolve(INSERT_UNNEST);
		this.meterBatches = new PostgresMeterBatchSql(tables);
		this.insertState = tables.resolve(INSERT_STATE);
		this.upsertRollups = tables.resolve(UPSERT_ROLLUPS);
	}

	// The ledger

	/** @return SQL with parameters event ids, key tenants, keys (text arrays); selecting (id, null, null) or (null, tenant, key) */
	public String findExisting() {
		return this.findExisting;
	}

	/** @return the binary COPY of the {@link EventColumn}s in order */
	public String copyEvents() {
		return this.copyEvents;
	}

	/**
	 * Whether the sum table exists, the sequence of the ledger's ids (null when none), and whether
	 * this role may insert into the one and take ids from the other.
	 * @return SQL with parameters the sum table's and the ledger's names
	 */
	public String findSumTarget() {
		return FIND_SUM_TARGET;
	}

	/** @return the statements of the defined meters' batch aggregates */
	public PostgresMeterBatchSql meterBatches() {
		return this.meterBatches;
	}

	/** @return SQL with parameter a sequence's name, selecting its next value */
	public String nextId() {
		return NEXT_ID;
	}

	/**
	 * Writes a batch's sums with its id run, from the id taken before its COPY to the sequence's
	 * value now, only when the run holds exactly that id and the rows COPYed.
	 * @return SQL with parameters first id, sequence, the sums' seven column arrays, rows COPYed
	 */
	public String insertSums() {
		return this.insertSums;
	}

	/** @return SQL with one text array per {@link EventColumn}, in order; skips duplicates */
	public String insertUnnest() {
		return this.insertUnnest;
	}

	// The rollup

	@Override
	public String insertRollupState() {
		return this.insertState;
	}

	/** @return SQL with parameters updated_at, then text arrays of tenant, meter, billing scope, period start, quantity, event count */
	public String upsertRollups() {
		return this.upsertRollups;
	}

	/**
	 * One fold batch in one statement, so from one snapshot: the next rows above the watermark are
	 * read once and summed once, by their finest key (tenant, meter, billing scope, hour, user),
	 * into a CTE of a few rows per key; both upserts, the count and the highest id read that
	 * CTE, not the rows. The result is one row (count, highest id) plus one row per run of ids
	 * skipped (gap start, gap end). The gaps are searched, by a second read of the ids up to the
	 * highest (in the same snapshot, so the same rows), only when the ids do not fill that range.
	 * @return SQL with parameters watermark, highest id to read, limit, updated_at (three times), watermark,
	 * watermark, watermark; selecting count, highest id, gap start, gap end (the first two null on gap
	 * rows, the last two on the other)
	 */
	public String foldBatchSql() {
		String event = tables().usageEvent();
		return "WITH a AS MATERIALIZED (SELECT tenant_id, meter, billing_scope_id, " + hour("occurred_at")
				+ " AS period_start, user_id, SUM(quantity) AS quantity, COUNT(*) AS event_count, MAX(id) AS highest "
				+ "FROM (SELECT id, tenant_id, meter, billing_scope_id, user_id, quantity, occurred_at FROM "
				+ event + " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?) n GROUP BY 1, 2, 3, 4, 5), "
				+ upsertsOfA() + ", c AS (SELECT CAST(SUM(event_count) AS bigint) AS rows, MAX(highest) AS highest FROM a) "
				+ "SELECT rows, highest, NULL, NULL FROM c "
				// Only when the ids do not fill the range up to the highest: a one-time filter.
				+ "UNION ALL SELECT NULL, NULL, p + 1, id - 1 FROM (SELECT id, lag(id, 1, CAST(? AS bigint)) OVER "
				+ "(ORDER BY id) AS p FROM " + event + " WHERE id > ? AND id <= (SELECT highest FROM c) "
				+ "AND (SELECT rows FROM c) <> (SELECT highest FROM c) - CAST(? AS bigint)) g WHERE id > p + 1";
	}

	/** @return the planner settings of a fold batch's transaction (see {@link #PLANNER_SETTINGS}) */
	public String plannerSettings() {
		return PLANNER_SETTINGS;
	}

	/**
	 * Whether the ledger has a sum table that this role may read and delete from. Null-safe: the
	 * privilege functions get a null oid for a missing table.
	 * @return SQL with parameter the sum table's name, selecting a boolean
	 */
	public String sumTableUsableSql() {
		return "SELECT COALESCE(has_table_privilege(CAST(t AS oid), 'SELECT') AND has_table_privilege(CAST(t AS oid), "
				+ "'DELETE'), false) FROM (SELECT to_regclass(?) AS t) s";
	}

	/**
	 * The id runs of the next batch sums above a watermark, lowest first, with their row counts.
	 * @return SQL with parameters watermark and limit, selecting first id, last id and row count
	 */
	public String sumRunsSql() {
		return "SELECT first_id, last_id, CAST(SUM(event_count) AS bigint) FROM " + tables().usageEventSum()
				+ " WHERE first_id > ? GROUP BY first_id, last_id ORDER BY first_id LIMIT ?";
	}

	/**
	 * Folds the batch sums of the runs starting in an id range into the rollups and the per-user
	 * rollups, as {@link #foldBatchSql} folds rows.
	 * @return SQL with parameters lowest first id, highest first id, updated_at (three times);
	 * selecting the row count folded
	 */
	public String foldSumsSql() {
		return "WITH a AS MATERIALIZED (SELECT tenant_id, meter, billing_scope_id, period_start, user_id, "
				+ "quantity, event_count FROM " + tables().usageEventSum() + " WHERE first_id BETWEEN ? AND ?), "
				+ upsertsOfA() + " SELECT CAST(COALESCE(SUM(event_count), 0) AS bigint) FROM a";
	}

	/**
	 * Deletes the batch sums of runs starting at or below a watermark.
	 * @return SQL with parameter the watermark
	 */
	public String deleteSumsSql() {
		return "DELETE FROM " + tables().usageEventSum() + " WHERE first_id <= ?";
	}

	/**
	 * The three upserts of a fold statement, as CTEs {@code f}, {@code u} and {@code d} (the daily
	 * per-user rollups), from a CTE {@code a}: three {@code updated_at} parameters.
	 */
	private String upsertsOfA() {
		return "f AS (" + upsert("SELECT tenant_id, meter, billing_scope_id, period_start, SUM(quantity), "
				+ "CAST(SUM(event_count) AS bigint), " + now() + " FROM a GROUP BY 1, 2, 3, 4") + "), u AS ("
				+ userUpsert("SELECT tenant_id, meter, period_start, user_id, SUM(quantity), "
						+ "CAST(SUM(event_count) AS bigint), " + now()
						+ " FROM a WHERE user_id IS NOT NULL GROUP BY 1, 2, 3, 4")
				+ "), d AS (" + userDayUpsert("SELECT tenant_id, meter, " + day("period_start") + ", user_id, "
						+ "SUM(quantity), CAST(SUM(event_count) AS bigint), " + now()
						+ " FROM a WHERE user_id IS NOT NULL GROUP BY 1, 2, 3, 4")
				+ ")";
	}

	/**
	 * The UTC hour by integer arithmetic ({@code date_bin}, PostgreSQL 14+) from an origin before
	 * any timestamp of the ledger: the same hour as {@code date_trunc('hour', column, 'UTC')},
	 * without a time-zone conversion per row.
	 */
	@Override
	String hour(String column) {
		return "date_bin('1 hour', " + column + ", TIMESTAMPTZ '0001-01-01 00:00:00+00')";
	}

	/** The UTC day by integer arithmetic, as {@link #hour}. */
	@Override
	String day(String column) {
		return "date_bin('1 day', " + column + ", TIMESTAMPTZ '0001-01-01 00:00:00+00')";
	}

	@Override
	String now() {
		return "CAST(? AS timestamptz)";
	}

	@Override
	String upsert(String sums) {
		return "INSERT INTO " + tables().usageRollup() + " AS r (" + ROLLUP_COLUMNS + ") " + sums
				+ " ON CONFLICT (tenant_id, meter, billing_scope_id, period_start) DO UPDATE SET "
				+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
				+ "updated_at = EXCLUDED.updated_at";
	}

	@Override
	String userUpsert(String sums) {
		return "INSERT INTO " + tables().usageUserRollup() + " AS r (" + USER_ROLLUP_COLUMNS + ") " + sums
				+ " ON CONFLICT (tenant_id, meter, period_start, user_id) DO UPDATE SET "
				+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
				+ "updated_at = EXCLUDED.updated_at";
	}

	@Override
	String userDayUpsert(String sums) {
		return "INSERT INTO " + tables().usageUserDay() + " AS r (" + USER_DAY_COLUMNS + ") " + sums
				+ " ON CONFLICT (tenant_id, meter, day_start, user_id) DO UPDATE SET "
				+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
				+ "updated_at = EXCLUDED.updated_at";
	}

	// Leases

	@Override
	public String insertAllocations(int rows) {
		return "INSERT INTO " + tables().quotaAllocation() + ALLOCATION_COLUMNS + " VALUES "
				+ values(rows, "(?, ?, ?, ?, ?, 0)") + " ON CONFLICT DO NOTHING";
	}

	@Override
	public String insertTokenAllocations(int rows) {
		return "INSERT INTO " + tables().quotaAllocation() + ALLOCATION_COLUMNS + " VALUES "
				+ values(rows, "(?, ?, ?, ?, ?, ?)") + " ON CONFLICT DO NOTHING";
	}

	@Override
	public String grantAllocations(int rows) {
		return "UPDATE " + tables().quotaAllocation() + " a SET granted = a.granted + v.amount, version = ? FROM "
				+ derived(rows, GRANT) + " WHERE " + KEY_JOIN + " AND a.granted + v.amount <= v.lim";
	}

	@Override
	public boolean tokenFirst() {
		return true;
	}

	@Override
	public String upsertLeases(int rows) {
		String lease = tables().quotaLease();
		return "INSERT INTO " + lease + LEASE_COLUMNS + " VALUES " + values(rows, "(?, ?, ?, ?, ?, ?, 0, ?)")
				+ " ON CONFLICT (scope_id, meter, window_kind, window_start, instance_id) DO UPDATE SET "
				+ "amount = " + lease + ".amount + EXCLUDED.amount, expires_at = EXCLUDED.expires_at";
	}

	// The invalidation bus

	/** @return SQL with parameters channel and payload */
	public static String notifySql() {
		return NOTIFY;
	}

	/**
	 * Starts listening on a channel.
	 * @param channel letters, digits and {@code _} only
	 * @return the statement
	 * @throws IllegalArgumentException for any other channel name
	 */
	public static String listenSql(String channel) {
		if (!CHANNEL.matcher(channel).matches()) {
			throw new IllegalArgumentException("channel must be letters, digits and '_', was '" + channel + "'");
		}
		return "LISTEN \"" + channel + "\"";
	}

	@Override
	public String upsertDistinct(int rows) {
		return "INSERT INTO " + tables().meterDistinct() + " AS d (" + DISTINCT_COLUMNS + ") VALUES "
				+ values(rows, "(?, ?, ?, ?, ?, ?, ?)") + " ON CONFLICT (tenant_id, meter, billing_scope_id, "
				+ "period_start, group_key, distinct_value) DO UPDATE SET first_seen = EXCLUDED.first_seen "
				+ "WHERE EXCLUDED.first_seen < d.first_seen";
	}

	private static String arrayType(EventColumn.Type type) {
		return switch (type) {
			case UUID -> "uuid[]";
			case TEXT -> "varchar[]";
			case DECIMAL -> "numeric[]";
			case TIMESTAMP -> "timestamptz[]";
			case JSON -> "jsonb[]";
		};
	}

}
