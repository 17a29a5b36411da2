package dev.metering.rollup;

import java.util.Collections;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;

/**
 * The SQL of the rollup's fold in the database, one form per platform: sums of ledger rows by
 * (tenant, meter, billing scope, UTC hour) over id ranges, added to the rollup rows in the same
 * statement. Statements are built from the validated {@link MeteringTables} names and a count of
 * ranges only, never from input.
 */
abstract sealed class LedgerFoldSql {

	/** The rollup columns every platform's fold writes, in order. */
	private static final String ROLLUP_COLUMNS = "tenant_id, meter, billing_scope_id, period_start, quantity, "
			+ "event_count, updated_at";

	/** The per-user rollup columns every platform's fold writes, in order. */
	private static final String USER_ROLLUP_COLUMNS = "tenant_id, meter, period_start, user_id, quantity, "
			+ "event_count, updated_at";

	/**
	 * How many rows follow a watermark (up to a limit) and the highest of their ids, from one
	 * snapshot: when the count is the distance from the watermark to that id, the ids are
	 * contiguous and no gap needs looking for.
	 * @param tables the table names
	 * @return SQL with parameters watermark and limit, selecting the count and the highest id
	 */
	String countNewRowsSql(MeteringTables tables) {
		return "SELECT COUNT(*), MAX(id) FROM (SELECT id FROM " + tables.usageEvent()
				+ " WHERE id > ? ORDER BY id LIMIT ?) n";
	}

	/**
	 * The ids of the next rows above a watermark: a primary-key range scan that reads no other column.
	 * @param tables the table names
	 * @return SQL with parameters watermark and limit, selecting id
	 */
	String newIdsSql(MeteringTables tables) {
		return "SELECT id FROM " + tables.usageEvent() + " WHERE id > ? ORDER BY id LIMIT ?";
	}

	/**
	 * Folds the ledger rows whose ids lie in any of several inclusive ranges into the rollups.
	 * Every id of each range must be known to exist, so the statement reads exactly the rows the
	 * caller saw whatever its snapshot.
	 * @param tables the table names
	 * @param ranges how many ranges
	 * @return SQL with parameters updated_at, then start and end of each range
	 */
	String foldRangesSql(MeteringTables tables, int ranges) {
		String where = String.join(" OR ", Collections.nCopies(ranges, "id BETWEEN ? AND ?"));
		return upsert(tables, "SELECT tenant_id, meter, billing_scope_id, " + hour("occurred_at")
				+ " AS period_start, SUM(quantity) AS quantity, COUNT(*) AS event_count, " + now() + " AS updated_at FROM "
				+ tables.usageEvent() + " WHERE " + where + " GROUP BY tenant_id, meter, billing_scope_id, "
				+ hour("occurred_at"));
	}

	/**
	 * Folds the ledger rows with a user whose ids lie in any of several inclusive ranges into the
	 * per-user rollups: the same rows as {@link #foldRangesSql}, run in the same transaction.
	 * @param tables the table names
	 * @param ranges how many ranges
	 * @return SQL with parameters updated_at, then start and end of each range
	 */
	String foldUserRangesSql(MeteringTables tables, int ranges) {
		String where = String.join(" OR ", Collections.nCopies(ranges, "id BETWEEN ? AND ?"));
		return userUpsert(tables, "SELECT tenant_id, meter, " + hour("occurred_at") + " AS period_start, user_id, "
				+ "SUM(quantity) AS quantity, COUNT(*) AS event_count, " + now() + " AS updated_at FROM "
				+ tables.usageEvent() + " WHERE (" + where + ") AND user_id IS NOT NULL GROUP BY tenant_id, meter, "
				+ hour("occurred_at") + ", user_id");
	}

	/**
	 * The isolation of a fold batch's transaction. The fold needs no lock on the ledger rows it
	 * reads: it sums only id ranges it has seen whole, and ledger rows never change.
	 * @param jdbc the ledger's database, for settings the choice depends on (asked once per job)
	 * @return a {@link TransactionDefinition} isolation constant
	 */
	int isolationLevel(JdbcTemplate jdbc) {
		return TransactionDefinition.ISOLATION_DEFAULT;
	}

	/** Adds the rows of {@code sums} (user rollup columns, keys unique) to the per-user rollups. */
	abstract String userUpsert(MeteringTables tables, String sums);

	/** The start of the UTC hour of a timestamp column. */
	abstract String hour(String column);

	/** The placeholder of the {@code updated_at} parameter. */
	abstract String now();

	/** Adds the rows of {@code sums} (rollup columns, keys unique) to the rollups. */
	abstract String upsert(MeteringTables tables, String sums);

	/**
	 * The fold SQL of a platform.
	 * @param platform {@code postgresql}, {@code h2} or {@code mysql}, as {@code LedgerDatabase.platform()}
	 * @return its SQL
	 */
	static LedgerFoldSql forPlatform(String platform) {
		return switch (platform) {
			case "postgresql" -> new Postgres();
			case "h2" -> new H2();
			case "mysql" -> new MySql();
			default -> throw new IllegalArgumentException("No rollup fold SQL for '" + platform + "'");
		};
	}

	/**
	 * {@code INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE}; and the whole batch in one
	 * statement ({@link #foldBatchSql}).
	 */
	static final class Postgres extends LedgerFoldSql {

		/**
		 * Planner settings for this transaction only, in one round trip. The batch is grouped by
		 * hashing: with the default 4 MB the planner sorted a 50,000-row batch on disk, and at any
		 * memory it sorts a 250,000-row batch (it cannot know the keys of the rows a {@code LIMIT}
		 * takes, so it counts a key per row and the hash table looks too large), where the real keys
		 * are far fewer (a few hundred bytes each) and a hash table that outgrows its memory spills
		 * to disk anyway. No other statement of the batch's transaction sorts. JIT compilation is
		 * off: the batch's estimated cost made PostgreSQL compile and optimise it with LLVM on
		 * every run (0.7 s of a 1,000,000-row batch), for a plan that runs once.
		 */
		static final String PLANNER_SETTINGS = "SELECT set_config('work_mem', '64MB', true), "
				+ "set_config('enable_sort', 'off', true), set_config('jit', 'off', true)";

		/**
		 * One batch in one statement, so from one snapshot: the next rows above the watermark are
		 * read once and summed once, by their finest key (tenant, meter, billing scope, hour, user),
		 * into a CTE of a few rows per key; both upserts, the count and the highest id read that
		 * CTE, not the rows. The result is one row (count, highest id) plus one row per run of ids
		 * skipped (gap start, gap end). The gaps are searched, by a second read of the ids up to the
		 * highest (in the same snapshot, so the same rows), only when the ids do not fill that range.
		 * @param tables the table names
		 * @return SQL with parameters watermark, highest id to read, limit, updated_at, updated_at, watermark,
		 * watermark, watermark; selecting count, highest id, gap start, gap end (the first two null on gap
		 * rows, the last two on the other)
		 */
		String foldBatchSql(MeteringTables tables) {
			return "WITH a AS MATERIALIZED (SELECT tenant_id, meter, billing_scope_id, " + hour("occurred_at")
					+ " AS period_start, user_id, SUM(quantity) AS quantity, COUNT(*) AS event_count, MAX(id) AS highest "
					+ "FROM (SELECT id, tenant_id, meter, billing_scope_id, user_id, quantity, occurred_at FROM "
					+ tables.usageEvent() + " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?) n GROUP BY 1, 2, 3, 4, 5), "
					+ upsertsOfA(tables) + ", c AS (SELECT CAST(SUM(event_count) AS bigint) AS rows, MAX(highest) AS highest FROM a) "
					+ "SELECT rows, highest, NULL, NULL FROM c "
					// Only when the ids do not fill the range up to the highest: a one-time filter.
					+ "UNION ALL SELECT NULL, NULL, p + 1, id - 1 FROM (SELECT id, lag(id, 1, CAST(? AS bigint)) OVER "
					+ "(ORDER BY id) AS p FROM " + tables.usageEvent() + " WHERE id > ? AND id <= (SELECT highest FROM c) "
					+ "AND (SELECT rows FROM c) <> (SELECT highest FROM c) - CAST(? AS bigint)) g WHERE id > p + 1";
		}

		/**
		 * Whether the ledger has a sum table (schema-postgresql.sql) that this role may read and
		 * delete from: a ledger created before it, with the schema left to the application, may
		 * not have one. Null-safe: the privilege functions get a null oid for a missing table.
		 * @return SQL with parameter the sum table's name, selecting a boolean
		 */
		String sumTableUsableSql() {
			return "SELECT COALESCE(has_table_privilege(CAST(t AS oid), 'SELECT') AND has_table_privilege(CAST(t AS oid), "
					+ "'DELETE'), false) FROM (SELECT to_regclass(?) AS t) s";
		}

		/**
		 * The id runs of the next batch sums above a watermark, lowest first, with their row counts.
		 * @param tables the table names
		 * @return SQL with parameters watermark and limit, selecting first id, last id and row count
		 */
		String sumRunsSql(MeteringTables tables) {
			return "SELECT first_id, last_id, CAST(SUM(event_count) AS bigint) FROM " + tables.usageEventSum()
					+ " WHERE first_id > ? GROUP BY first_id, last_id ORDER BY first_id LIMIT ?";
		}

		/**
		 * Folds the batch sums of the runs starting in an id range into the rollups and the per-user
		 * rollups, as {@link #foldBatchSql} folds rows.
		 * @param tables the table names
		 * @return SQL with parameters lowest first id, highest first id, updated_at, updated_at;
		 * selecting the row count folded
		 */
		String foldSumsSql(MeteringTables tables) {
			return "WITH a AS MATERIALIZED (SELECT tenant_id, meter, billing_scope_id, period_start, user_id, "
					+ "quantity, event_count FROM " + tables.usageEventSum() + " WHERE first_id BETWEEN ? AND ?), "
					+ upsertsOfA(tables) + " SELECT CAST(COALESCE(SUM(event_count), 0) AS bigint) FROM a";
		}

		/**
		 * The two upserts of a fold statement, as CTEs {@code f} and {@code u}, from a CTE {@code a}
		 * of sums by (tenant, meter, billing scope, hour, user).
		 * @return SQL with parameters updated_at, updated_at
		 */
		private String upsertsOfA(MeteringTables tables) {
			return "f AS (" + upsert(tables, "SELECT tenant_id, meter, billing_scope_id, period_start, SUM(quantity), "
					+ "CAST(SUM(event_count) AS bigint), " + now() + " FROM a GROUP BY 1, 2, 3, 4") + "), u AS ("
					+ userUpsert(tables, "SELECT tenant_id, meter, period_start, user_id, SUM(quantity), "
							+ "CAST(SUM(event_count) AS bigint), " + now()
							+ " FROM a WHERE user_id IS NOT NULL GROUP BY 1, 2, 3, 4")
					+ ")";
		}

		/**
		 * Deletes the batch sums of runs starting at or below a watermark: folded, or folded from
		 * their rows instead.
		 * @param tables the table names
		 * @return SQL with parameter the watermark
		 */
		String deleteSumsSql(MeteringTables tables) {
			return "DELETE FROM " + tables.usageEventSum() + " WHERE first_id <= ?";
		}

		/**
		 * The UTC hour by integer arithmetic ({@code date_bin}, PostgreSQL 14+) from an origin before
		 * any timestamp of the ledger: the same hour as {@code date_trunc('hour', column, 'UTC')},
		 * without a time-zone conversion per row (which cost about a third of a batch).
		 */
		@Override
		String hour(String column) {
			return "date_bin('1 hour', " + column + ", TIMESTAMPTZ '0001-01-01 00:00:00+00')";
		}

		@Override
		String now() {
			return "CAST(? AS timestamptz)";
		}

		@Override
		String upsert(MeteringTables tables, String sums) {
			return "INSERT INTO " + tables.usageRollup() + " AS r (" + ROLLUP_COLUMNS + ") " + sums
					+ " ON CONFLICT (tenant_id, meter, billing_scope_id, period_start) DO UPDATE SET "
					+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
					+ "updated_at = EXCLUDED.updated_at";
		}

		@Override
		String userUpsert(MeteringTables tables, String sums) {
			return "INSERT INTO " + tables.usageUserRollup() + " AS r (" + USER_ROLLUP_COLUMNS + ") " + sums
					+ " ON CONFLICT (tenant_id, meter, period_start, user_id) DO UPDATE SET "
					+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
					+ "updated_at = EXCLUDED.updated_at";
		}

	}

	/** {@code MERGE INTO ... USING (SELECT ... GROUP BY ...)}. */
	static final class H2 extends LedgerFoldSql {

		@Override
		String hour(String column) {
			return "DATE_TRUNC(HOUR, " + column + " AT TIME ZONE 'UTC')";
		}

		@Override
		String now() {
			return "CAST(? AS TIMESTAMP WITH TIME ZONE)";
		}

		@Override
		String upsert(MeteringTables tables, String sums) {
			return "MERGE INTO " + tables.usageRollup() + " AS r USING (" + sums + ") AS v "
					+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.billing_scope_id = v.billing_scope_id "
					+ "AND r.period_start = v.period_start "
					+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
					+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
					+ "WHEN NOT MATCHED THEN INSERT (" + ROLLUP_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
					+ "v.billing_scope_id, v.period_start, v.quantity, v.event_count, v.updated_at)";
		}

		@Override
		String userUpsert(MeteringTables tables, String sums) {
			return "MERGE INTO " + tables.usageUserRollup() + " AS r USING (" + sums + ") AS v "
					+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.period_start = v.period_start "
					+ "AND r.user_id = v.user_id "
					+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
					+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
					+ "WHEN NOT MATCHED THEN INSERT (" + USER_ROLLUP_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
					+ "v.period_start, v.user_id, v.quantity, v.event_count, v.updated_at)";
		}

	}

	/**
	 * {@code INSERT ... SELECT ... ON DUPLICATE KEY UPDATE} over a derived table (so the update's
	 * column names cannot be taken for the grouped query's); {@code VALUES(column)} as MariaDB
	 * needs it. Timestamps are UTC {@code DATETIME}s.
	 */
	static final class MySql extends LedgerFoldSql {

		private static final Log logger = LogFactory.getLog(MySql.class);

		/**
		 * Read committed: at InnoDB's default, repeatable read, {@code INSERT ... SELECT} locks
		 * every ledger row it reads and the gap after the last (the end of the table), so each of
		 * the writer's inserts waited for the batch to commit. At read committed the rows are read
		 * from a snapshot, as on PostgreSQL, and lock nothing. Except with statement-based binary
		 * logging, which refuses InnoDB writes at read committed: there the batch keeps the
		 * server's isolation (and its locks), with a warning.
		 */
		@Override
		int isolationLevel(JdbcTemplate jdbc) {
			Map<String, Object> logging = jdbc.queryForMap("SELECT @@log_bin AS log_bin, @@binlog_format AS format");
			boolean binaryLog = logging.get("log_bin") instanceof Number on && on.intValue() != 0;
			if (readCommittedLogs(binaryLog, String.valueOf(logging.get("format")))) {
				return TransactionDefinition.ISOLATION_READ_COMMITTED;
			}
			logger.warn("binlog_format is STATEMENT: rollup batches run at the server's isolation, where InnoDB "
					+ "holds the writer's ledger inserts until each batch commits; set binlog_format to ROW or MIXED");
			return TransactionDefinition.ISOLATION_DEFAULT;
		}

		/** Whether the server can log a read committed batch: not with statement-based binary logging. */
		static boolean readCommittedLogs(boolean binaryLog, String binlogFormat) {
			return !binaryLog || !"STATEMENT".equalsIgnoreCase(binlogFormat);
		}

		@Override
		String hour(String column) {
			return "CAST(DATE_FORMAT(" + column + ", '%Y-%m-%d %H:00:00') AS DATETIME(6))";
		}

		@Override
		String now() {
			return "CAST(? AS DATETIME(6))";
		}

		@Override
		String upsert(MeteringTables tables, String sums) {
			return "INSERT INTO " + tables.usageRollup() + " (" + ROLLUP_COLUMNS + ") SELECT * FROM (" + sums
					+ ") AS v ON DUPLICATE KEY UPDATE quantity = " + tables.usageRollup()
					+ ".quantity + VALUES(quantity), event_count = " + tables.usageRollup()
					+ ".event_count + VALUES(event_count), updated_at = VALUES(updated_at)";
		}

		@Override
		String userUpsert(MeteringTables tables, String sums) {
			return "INSERT INTO " + tables.usageUserRollup() + " (" + USER_ROLLUP_COLUMNS + ") SELECT * FROM (" + sums
					+ ") AS v ON DUPLICATE KEY UPDATE quantity = " + tables.usageUserRollup()
					+ ".quantity + VALUES(quantity), event_count = " + tables.usageUserRollup()
					+ ".event_count + VALUES(event_count), updated_at = VALUES(updated_at)";
		}

	}

}
