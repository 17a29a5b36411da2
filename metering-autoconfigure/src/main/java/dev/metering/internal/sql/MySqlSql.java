package dev.metering.internal.sql;

import java.util.Collections;
import java.util.Map;
import java.util.StringJoiner;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;

/**
 * MySQL's and MariaDB's statements where they differ: multi-row {@code INSERT IGNORE} and
 * {@code INSERT ... ON DUPLICATE KEY UPDATE} with {@code VALUES(column)}, which MariaDB needs (it
 * has no row alias) and MySQL 8 still accepts. Timestamps are UTC {@code DATETIME(6)}s.
 */
public final class MySqlSql extends DatabaseSql {

	private static final Log logger = LogFactory.getLog(MySqlSql.class);

	/** Events are validated before they get here, so IGNORE only ever skips duplicate keys. */
	private static final String INSERT_EVENTS = "INSERT IGNORE INTO %PREFIX%usage_event (" + EventColumn.names()
			+ ") VALUES ";

	private static final String EVENT_ROW = "(" + String.join(", ", Collections.nCopies(EventColumn.ALL.size(), "?"))
			+ ")";

	private static final String INSERT_STATE = "INSERT IGNORE INTO %PREFIX%rollup_state (name, watermark, "
			+ "updated_at) VALUES (?, 0, ?)";

	private static final String UPSERT_ROLLUPS = "INSERT INTO %PREFIX%usage_rollup (" + ROLLUP_COLUMNS + ") VALUES %ROWS% "
			+ "ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity), "
			+ "event_count = event_count + VALUES(event_count), updated_at = VALUES(updated_at)";

	private final String insertEvents;

	private final String insertState;

	private final String upsertRollups;

	/**
	 * MySQL's and MariaDB's statements for a set of tables.
	 * @param tables the table names
	 */
	public MySqlSql(TableNames tables) {
		super(tables, LedgerDatabase.MYSQL);
		this.insertEvents = tables.resolve(INSERT_EVENTS);
		this.insertState = tables.resolve(INSERT_STATE);
		this.upsertRollups = tables.resolve(UPSERT_ROLLUPS);
	}

	/**
	 * Inserts events, skipping duplicate keys; its affected-row count is exactly the rows inserted.
	 * @param rows how many events
	 * @return SQL with parameters the {@link EventColumn}s of each event in order
	 */
	public String insertEvents(int rows) {
		return this.insertEvents + String.join(", ", Collections.nCopies(rows, EVENT_ROW));
	}

	@Override
	public String insertRollupState() {
		return this.insertState;
	}

	/**
	 * Adds deltas to their rollup rows, creating missing ones.
	 * @param rows how many deltas
	 * @return SQL with parameters tenant, meter, billing scope, period start, quantity, event count,
	 * updated_at per delta
	 */
	public String upsertRollups(int rows) {
		return this.upsertRollups.replace("%ROWS%", values(rows, "(?, ?, ?, ?, ?, ?, ?)"));
	}

	/**
	 * Read committed: at InnoDB's default, repeatable read, {@code INSERT ... SELECT} locks
	 * every ledger row it reads and the gap after the last (the end of the table), so each of
	 * the writer's inserts waited for the batch to commit. At read committed the rows are read
	 * from a snapshot, as on PostgreSQL, and lock nothing. Except with statement-based binary
	 * logging, which refuses InnoDB writes at read committed: there the batch keeps the
	 * server's isolation (and its locks), with a warning.
	 */
	@Override
	public int isolationLevel(JdbcTemplate jdbc) {
		Map<String, Object> logging = jdbc.queryForMap("SELECT @@log_bin AS log_bin, @@binlog_format AS format");
		boolean binaryLog = logging.get("log_bin") instanceof Number on && on.intValue() != 0;
		if (readCommittedLogs(binaryLog, String.valueOf(logging.get("format")))) {
			return TransactionDefinition.ISOLATION_READ_COMMITTED;
		}
		logger.warn("binlog_format is STATEMENT: rollup batches run at the server's isolation, where InnoDB "
				+ "holds the writer's ledger inserts until each batch commits; set binlog_format to ROW or MIXED");
		return TransactionDefinition.ISOLATION_DEFAULT;
	}

	/**
	 * Whether the server can log a read committed batch: not with statement-based binary logging.
	 * @param binaryLog whether binary logging is on
	 * @param binlogFormat its format
	 * @return whether read committed is allowed
	 */
	public static boolean readCommittedLogs(boolean binaryLog, String binlogFormat) {
		return !binaryLog || !"STATEMENT".equalsIgnoreCase(binlogFormat);
	}

	@Override
	String hour(String column) {
		return "CAST(DATE_FORMAT(" + column + ", '%Y-%m-%d %H:00:00') AS DATETIME(6))";
	}

	@Override
	String day(String column) {
		return "CAST(DATE_FORMAT(" + column + ", '%Y-%m-%d 00:00:00') AS DATETIME(6))";
	}

	@Override
	String now() {
		return "CAST(? AS DATETIME(6))";
	}

	/** Over a derived table, so the update's column names cannot be taken for the grouped query's. */
	@Override
	String upsert(String sums) {
		String rollup = tables().usageRollup();
		return "INSERT INTO " + rollup + " (" + ROLLUP_COLUMNS + ") SELECT * FROM (" + sums
				+ ") AS v ON DUPLICATE KEY UPDATE quantity = " + rollup + ".quantity + VALUES(quantity), event_count = "
				+ rollup + ".event_count + VALUES(event_count), updated_at = VALUES(updated_at)";
	}

	@Override
	String userUpsert(String sums) {
		String rollup = tables().usageUserRollup();
		return "INSERT INTO " + rollup + " (" + USER_ROLLUP_COLUMNS + ") SELECT * FROM (" + sums
				+ ") AS v ON DUPLICATE KEY UPDATE quantity = " + rollup + ".quantity + VALUES(quantity), event_count = "
				+ rollup + ".event_count + VALUES(event_count), updated_at = VALUES(updated_at)";
	}

	@Override
	String userDayUpsert(String sums) {
		String rollup = tables().usageUserDay();
		return "INSERT INTO " + rollup + " (" + USER_DAY_COLUMNS + ") SELECT * FROM (" + sums
				+ ") AS v ON DUPLICATE KEY UPDATE quantity = " + rollup + ".quantity + VALUES(quantity), event_count = "
				+ rollup + ".event_count + VALUES(event_count), updated_at = VALUES(updated_at)";
	}

	/** A derived table of {@code UNION ALL}ed rows: text in the tables' binary collation, so the join compares alike. */
	@Override
	String derived(int rows, LeaseColumn... columns) {
		StringBuilder sql = new StringBuilder("(");
		for (int r = 0; r < rows; r++) {
			StringJoiner row = new StringJoiner(", ", (r == 0) ? "SELECT " : " UNION ALL SELECT ", "");
			for (LeaseColumn column : columns) {
				String parameter = column.text ? "CONVERT(? USING utf8mb4) COLLATE utf8mb4_bin" : "?";
				row.add(parameter + ((r == 0) ? " AS " + column.alias : ""));
			}
			sql.append(row);
		}
		return sql.append(") v").toString();
	}

	@Override
	public String insertAllocations(int rows) {
		return "INSERT INTO " + tables().quotaAllocation() + ALLOCATION_COLUMNS + " VALUES "
				+ values(rows, "(?, ?, ?, ?, ?, 0)") + " ON DUPLICATE KEY UPDATE version = version";
	}

	@Override
	public String insertTokenAllocations(int rows) {
		return "INSERT INTO " + tables().quotaAllocation() + ALLOCATION_COLUMNS + " VALUES "
				+ values(rows, "(?, ?, ?, ?, ?, ?)") + " ON DUPLICATE KEY UPDATE version = version";
	}

	@Override
	public String grantAllocations(int rows) {
		return "UPDATE " + tables().quotaAllocation() + " a JOIN " + derived(rows, GRANT) + " ON " + KEY_JOIN
				+ " SET a.granted = a.granted + v.amount, a.version = ? WHERE a.granted + v.amount <= v.lim";
	}

	@Override
	public boolean tokenFirst() {
		return false;
	}

	@Override
	public String upsertLeases(int rows) {
		return "INSERT INTO " + tables().quotaLease() + LEASE_COLUMNS + " VALUES " + values(rows, "(?, ?, ?, ?, ?, ?, 0, ?)")
				+ " ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount), expires_at = VALUES(expires_at)";
	}

	@Override
	public String upsertDistinct(int rows) {
		return "INSERT INTO " + tables().meterDistinct() + " (" + DISTINCT_COLUMNS + ") VALUES "
				+ values(rows, "(?, ?, ?, ?, ?, ?, ?)")
				+ " ON DUPLICATE KEY UPDATE first_seen = LEAST(first_seen, VALUES(first_seen))";
	}

}
