package dev.metering.internal.sql;

import java.util.Collections;
import java.util.StringJoiner;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;

/**
 * Every statement the kit runs on one database: the statements the databases share, written once
 * here and in the classes this one hands out by concern ({@link #definitions()},
 * {@link #billing()}, {@link #rollup()}, {@link #leases()}), and abstract where a database writes
 * a statement its own way ({@link H2Sql}, {@link PostgresSql}, {@link MySqlSql}). Selected by
 * {@link LedgerDatabase#sql(String)}; statements a single database runs (the ledger's insert, the
 * rollup's upsert, PostgreSQL's {@code COPY} and bus) are on its own class.
 */
public abstract sealed class DatabaseSql permits H2Sql, PostgresSql, MySqlSql {

	/** The rollup columns every upsert writes, in order. */
	static final String ROLLUP_COLUMNS = "tenant_id, meter, billing_scope_id, period_start, quantity, event_count, "
			+ "updated_at";

	/** The per-user rollup columns every fold writes, in order. */
	static final String USER_ROLLUP_COLUMNS = "tenant_id, meter, period_start, user_id, quantity, "
			+ "event_count, updated_at";

	/** The daily per-user rollup columns every fold writes, in order. */
	static final String USER_DAY_COLUMNS = "tenant_id, meter, day_start, user_id, quantity, event_count, updated_at";

	/** A batch of lease windows joined to the allocation or lease table on its primary key. */
	static final String KEY_JOIN = "a.scope_id = v.s AND a.meter = v.m AND a.window_kind = v.k "
			+ "AND a.window_start = v.st";

	static final LeaseColumn[] KEY = { LeaseColumn.S, LeaseColumn.M, LeaseColumn.K, LeaseColumn.ST };

	static final LeaseColumn[] GRANT = { LeaseColumn.S, LeaseColumn.M, LeaseColumn.K, LeaseColumn.ST,
			LeaseColumn.AMOUNT, LeaseColumn.LIM };

	static final LeaseColumn[] CREATE = { LeaseColumn.S, LeaseColumn.M, LeaseColumn.K, LeaseColumn.ST, LeaseColumn.G };

	static final LeaseColumn[] LEASE = { LeaseColumn.S, LeaseColumn.M, LeaseColumn.K, LeaseColumn.ST, LeaseColumn.I,
			LeaseColumn.AMOUNT, LeaseColumn.EXP };

	/** The columns of a lease allocation row. */
	static final String ALLOCATION_COLUMNS = " (scope_id, meter, window_kind, window_start, granted, version)";

	/** The columns of a lease row. */
	static final String LEASE_COLUMNS = " (scope_id, meter, window_kind, window_start, instance_id, amount, "
			+ "committed, expires_at)";

	private final TableNames tables;

	private final LedgerDatabase database;

	private final DefinitionSql definitions;

	private final BillingSql billing;

	private final RollupSql rollup;

	private final LeaseSql leases;

	private final MeterSql meters;

	private final AdmissionSql admissions;

	private final WebhookSql webhooks;

	private final CorrectionSql corrections;

	DatabaseSql(TableNames tables, LedgerDatabase database) {
		this.tables = tables;
		this.database = database;
		this.definitions = new DefinitionSql(tables);
		this.billing = new BillingSql(tables);
		this.rollup = new RollupSql(tables);
		this.leases = new LeaseSql(tables);
		this.meters = new MeterSql(tables);
		this.admissions = new AdmissionSql(tables);
		this.webhooks = new WebhookSql(tables);
		this.corrections = new CorrectionSql(tables);
	}

	/** @return the table names the statements are built for */
	public final TableNames tables() {
		return this.tables;
	}

	/** @return the database these statements are for */
	public final LedgerDatabase database() {
		return this.database;
	}

	/** @return the statements of the runtime definitions (plans, tenants, quotas, audit) */
	public final DefinitionSql definitions() {
		return this.definitions;
	}

	/** @return the statements of voids and corrections */
	public final CorrectionSql corrections() {
		return this.corrections;
	}

	/** @return the statements of billing reports, usage summaries and idempotency look-ups */
	public final BillingSql billing() {
		return this.billing;
	}

	/** @return the rollup job's and the usage readers' statements */
	public final RollupSql rollup() {
		return this.rollup;
	}

	/** @return the statements of one lease window at a time */
	public final LeaseSql leases() {
		return this.leases;
	}

	/** @return the statements of quotas admitted per event (unique-count, filtered) */
	public final AdmissionSql admissions() {
		return this.admissions;
	}

	/** @return the statements of defined meters' rollups (the same on every database) */
	public final MeterSql meters() {
		return this.meters;
	}

	/** @return the statements of the notification outbox */
	public final WebhookSql webhooks() {
		return this.webhooks;
	}

	// The rollup's progress row and the fold in the database

	/**
	 * Creates a rollup's progress row (watermark 0) unless it exists.
	 * @return SQL with parameters name, updated_at (and, on H2, the name again)
	 */
	public abstract String insertRollupState();

	/**
	 * How many rows follow a watermark (up to a limit) and the highest of their ids, from one
	 * snapshot: when the count is the distance from the watermark to that id, the ids are
	 * contiguous and no gap needs looking for.
	 * @return SQL with parameters watermark and limit, selecting the count and the highest id
	 */
	public String countNewRowsSql() {
		return "SELECT COUNT(*), MAX(id) FROM (SELECT id FROM " + this.tables.usageEvent()
				+ " WHERE id > ? ORDER BY id LIMIT ?) n";
	}

	/**
	 * The ids of the next rows above a watermark: a primary-key range scan that reads no other column.
	 * @return SQL with parameters watermark and limit, selecting id
	 */
	public String newIdsSql() {
		return "SELECT id FROM " + this.tables.usageEvent() + " WHERE id > ? ORDER BY id LIMIT ?";
	}

	/**
	 * Folds the ledger rows whose ids lie in any of several inclusive ranges into the rollups.
	 * Every id of each range must be known to exist, so the statement reads exactly the rows the
	 * caller saw whatever its snapshot.
	 * @param ranges how many ranges
	 * @return SQL with parameters updated_at, then start and end of each range
	 */
	public String foldRangesSql(int ranges) {
		String where = String.join(" OR ", Collections.nCopies(ranges, "id BETWEEN ? AND ?"));
		return upsert("SELECT tenant_id, meter, billing_scope_id, " + hour("occurred_at")
				+ " AS period_start, SUM(quantity) AS quantity, COUNT(*) AS event_count, " + now() + " AS updated_at FROM "
				+ this.tables.usageEvent() + " WHERE " + where + " GROUP BY tenant_id, meter, billing_scope_id, "
				+ hour("occurred_at"));
	}

	/**
	 * Folds the ledger rows with a user whose ids lie in any of several inclusive ranges into the
	 * per-user rollups: the same rows as {@link #foldRangesSql}, run in the same transaction.
	 * @param ranges how many ranges
	 * @return SQL with parameters updated_at, then start and end of each range
	 */
	public String foldUserRangesSql(int ranges) {
		String where = String.join(" OR ", Collections.nCopies(ranges, "id BETWEEN ? AND ?"));
		return userUpsert("SELECT tenant_id, meter, " + hour("occurred_at") + " AS period_start, user_id, "
				+ "SUM(quantity) AS quantity, COUNT(*) AS event_count, " + now() + " AS updated_at FROM "
				+ this.tables.usageEvent() + " WHERE (" + where + ") AND user_id IS NOT NULL GROUP BY tenant_id, meter, "
				+ hour("occurred_at") + ", user_id");
	}

	/**
	 * Folds the same rows as {@link #foldUserRangesSql} into the daily per-user rollups, run in the
	 * same transaction: both always hold the same rows.
	 * @param ranges how many ranges
	 * @return SQL with parameters updated_at, then start and end of each range
	 */
	public String foldUserDayRangesSql(int ranges) {
		String where = String.join(" OR ", Collections.nCopies(ranges, "id BETWEEN ? AND ?"));
		return userDayUpsert("SELECT tenant_id, meter, " + day("occurred_at") + " AS day_start, user_id, "
				+ "SUM(quantity) AS quantity, COUNT(*) AS event_count, " + now() + " AS updated_at FROM "
				+ this.tables.usageEvent() + " WHERE (" + where + ") AND user_id IS NOT NULL GROUP BY tenant_id, meter, "
				+ day("occurred_at") + ", user_id");
	}

	/**
	 * The isolation of a fold batch's transaction. The fold needs no lock on the ledger rows it
	 * reads: it sums only id ranges it has seen whole, and ledger rows never change.
	 * @param jdbc the ledger's database, for settings the choice depends on (asked once per job)
	 * @return a {@link TransactionDefinition} isolation constant
	 */
	public int isolationLevel(JdbcTemplate jdbc) {
		return TransactionDefinition.ISOLATION_DEFAULT;
	}

	/** The start of the UTC hour of a timestamp column. */
	abstract String hour(String column);

	/** The start of the UTC day of a timestamp column. */
	abstract String day(String column);

	/** The placeholder of the {@code updated_at} parameter. */
	abstract String now();

	/** Adds the rows of {@code sums} (rollup columns, keys unique) to the rollups. */
	abstract String upsert(String sums);

	/** Adds the rows of {@code sums} (user rollup columns, keys unique) to the per-user rollups. */
	abstract String userUpsert(String sums);

	/** Adds the rows of {@code sums} (daily user rollup columns, keys unique) to the daily per-user rollups. */
	abstract String userDayUpsert(String sums);

	// Lease windows in batches: a derived table of bound parameters joined on the primary key, so
	// one statement serves any number of windows and no value is ever written into the SQL text.

	/**
	 * @param rows how many windows
	 * @return SQL with parameters scope, meter, kind, start per row; selecting key, granted, version
	 */
	public String selectAllocations(int rows) {
		return "SELECT a.scope_id, a.meter, a.window_kind, a.window_start, a.granted, a.version FROM "
				+ derived(rows, KEY) + " JOIN " + this.tables.quotaAllocation() + " a ON " + KEY_JOIN;
	}

	/**
	 * Creates allocations, keeping a row another instance created first.
	 * @param rows how many windows
	 * @return SQL with parameters scope, meter, kind, start, granted per row
	 */
	public abstract String insertAllocations(int rows);

	/**
	 * Creates allocations with a version per row (a token: the rows created carry it), keeping a
	 * row another instance created first.
	 * @param rows how many windows
	 * @return SQL with parameters scope, meter, kind, start, granted, version per row
	 */
	public abstract String insertTokenAllocations(int rows);

	/**
	 * The conditional grant of many windows: each row's {@code granted} rises by its amount only
	 * when that keeps it within its limit ({@code granted + amount <= limit}), and its
	 * {@code version} becomes a token drawn for the batch, so the rows that carry the token
	 * afterwards, read in the same transaction, are exactly the ones it updated.
	 * @param rows how many windows
	 * @return SQL with parameters the token and scope, meter, kind, start, amount, limit per row,
	 * the token first when {@link #tokenFirst()}, last otherwise
	 */
	public abstract String grantAllocations(int rows);

	/** @return whether {@link #grantAllocations} takes the token before the rows */
	public abstract boolean tokenFirst();

	/**
	 * @param rows how many windows
	 * @return SQL with parameters scope, meter, kind, start per row, then the token; selecting key, granted
	 */
	public String selectGranted(int rows) {
		return "SELECT a.scope_id, a.meter, a.window_kind, a.window_start, a.granted FROM " + derived(rows, KEY)
				+ " JOIN " + this.tables.quotaAllocation() + " a ON " + KEY_JOIN + " WHERE a.version = ?";
	}

	/**
	 * Adds to (or creates) this instance's leases.
	 * @param rows how many windows
	 * @return SQL with parameters scope, meter, kind, start, instance, amount, expiry per row
	 */
	public abstract String upsertLeases(int rows);

	/** The columns of a distinct value, in the order {@link #upsertDistinct(int)} binds them. */
	static final String DISTINCT_COLUMNS = "tenant_id, meter, billing_scope_id, period_start, group_key, "
			+ "distinct_value, first_seen";

	/**
	 * Adds distinct values to their months in one statement: a new value is inserted, a known one
	 * takes the earlier of its stored and given first-seen instants. The caller keeps each
	 * month's bound: it sends only values that fit in it, and no key twice.
	 * @param rows how many values
	 * @return SQL with parameters tenant, meter, billing scope, month, group key, value, first
	 * seen per row
	 */
	public abstract String upsertDistinct(int rows);

	/** A derived table {@code v} of {@code rows} rows of parameters, cast to their column types. */
	String derived(int rows, LeaseColumn... columns) {
		StringBuilder sql = new StringBuilder("(VALUES ");
		for (int r = 0; r < rows; r++) {
			StringJoiner row = new StringJoiner(", ", (r == 0) ? "(" : ", (", ")");
			for (LeaseColumn column : columns) {
				row.add("CAST(? AS " + column.type + ")");
			}
			sql.append(row);
		}
		StringJoiner aliases = new StringJoiner(", ", ") v(", ")");
		for (LeaseColumn column : columns) {
			aliases.add(column.alias);
		}
		return sql.append(aliases).toString();
	}

	/** {@code rows} copies of a row of placeholders, comma-separated. */
	static String values(int rows, String row) {
		return String.join(", ", Collections.nCopies(rows, row));
	}

	/** Columns of a lease batch's derived table: alias and SQL type. */
	enum LeaseColumn {

		S("s", "VARCHAR(128)", true), M("m", "VARCHAR(128)", true), K("k", "VARCHAR(8)", true),
		ST("st", "BIGINT", false), I("i", "VARCHAR(64)", true), AMOUNT("amount", "NUMERIC(38, 9)", false),
		LIM("lim", "NUMERIC(38, 9)", false), G("g", "NUMERIC(38, 9)", false), EXP("exp", "BIGINT", false);

		final String alias;

		final String type;

		final boolean text;

		LeaseColumn(String alias, String type, boolean text) {
			this.alias = alias;
			this.type = type;
			this.text = text;
		}

	}

}
