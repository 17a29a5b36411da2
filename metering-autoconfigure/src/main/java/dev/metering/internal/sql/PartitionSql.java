package dev.metering.internal.sql;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import org.jspecify.annotations.Nullable;

/**
 * The statements that keep a monthly partitioned ledger (PostgreSQL; schema-postgresql-partitioned.sql).
 * A partition's bounds are DDL, which takes no parameters: they are written from a {@link YearMonth},
 * never from input, and the partition's name is the ledger's with {@code _pYYYYMM}.
 */
public final class PartitionSql {

	/** One maintainer at a time, for the transaction: the lock's key is the ledger's name. */
	private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtext(?))";

	private static final String EXISTS = "SELECT to_regclass(?) IS NOT NULL";

	private static final String CREATE_DETACHED = "CREATE TABLE %PARTITION% (LIKE %PREFIX%usage_event "
			+ "INCLUDING DEFAULTS INCLUDING CONSTRAINTS)";

	/** Rows the default partition took for the month (its partition did not exist yet) move into it. */
	private static final String MOVE_FROM_DEFAULT = "WITH moved AS (DELETE FROM %PREFIX%usage_event_default "
			+ "WHERE occurred_at >= %FROM% AND occurred_at < %TO% RETURNING *) INSERT INTO %PARTITION% SELECT * FROM moved";

	private static final String ATTACH = "ALTER TABLE %PREFIX%usage_event ATTACH PARTITION %PARTITION% "
			+ "FOR VALUES FROM (%FROM%) TO (%TO%)";

	/** The partitions' names without their schema (what {@link #monthOf} reads), whatever the search path. */
	private static final String PARTITIONS = "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
			+ "WHERE i.inhparent = CAST(? AS regclass)";

	/** Waits for the partition's writers (its lock) and leaves its rows to this transaction alone. */
	private static final String DETACH = "ALTER TABLE %PREFIX%usage_event DETACH PARTITION %PARTITION%";

	/**
	 * Whether every row of the partition is folded by every fold: at or below the lowest watermark
	 * and in no open gap (bounds inclusive, so a doubt keeps the partition). No progress row: nothing
	 * is folded. Index probes on the partition's id (its highest, then one range per open gap), not a
	 * scan: the check runs while the ledger is locked for the detach.
	 */
	private static final String FOLDED = "SELECT EXISTS (SELECT 1 FROM %PREFIX%rollup_state) "
			+ "AND COALESCE((SELECT MAX(id) FROM %PARTITION%) <= (SELECT MIN(watermark) FROM %PREFIX%rollup_state), true) "
			+ "AND NOT EXISTS (SELECT 1 FROM %PREFIX%rollup_gap g "
			+ "WHERE EXISTS (SELECT 1 FROM %PARTITION% e WHERE e.id BETWEEN g.gap_start AND g.gap_end))";

	private static final String DROP = "DROP TABLE %PARTITION%";

	/** The month's claimed ids and keys go with its rows: the late window refuses their events anyway. */
	private static final String DROP_KEYS = "DELETE FROM %PREFIX%usage_event_key "
			+ "WHERE occurred_at >= %FROM% AND occurred_at < %TO%";

	/** The months of the rows the default partition holds (a migrated ledger's, or a month created late). */
	private static final String DEFAULT_MONTHS = "SELECT DISTINCT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYYMM') "
			+ "FROM %PREFIX%usage_event_default";

	private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMM");

	private final TableNames tables;

	public PartitionSql(TableNames tables) {
		this.tables = tables;
	}

	/** @return the statement taking the maintainers' lock, bound to the ledger's name */
	public String lock() {
		return LOCK;
	}

	/** @return the statement telling whether a table exists, bound to its name */
	public String exists() {
		return EXISTS;
	}

	/**
	 * @param month the month
	 * @return the name of the month's partition, with the prefix's schema
	 */
	public String partition(YearMonth month) {
		return this.tables.usageEvent() + "_p" + SUFFIX.format(month);
	}

	/**
	 * @param month the month
	 * @return the statements that create the month's partition, in order, in one transaction
	 */
	public String[] createMonth(YearMonth month) {
		return new String[] { month(CREATE_DETACHED, month), month(MOVE_FROM_DEFAULT, month),
				month(ATTACH, month) };
	}

	/** @return the statement listing the ledger's partitions, bound to the ledger's name */
	public String partitions() {
		return PARTITIONS;
	}

	/** @return the query of the months of the default partition's rows, as {@code YYYYMM} */
	public String defaultMonths() {
		return this.tables.resolve(DEFAULT_MONTHS);
	}

	/**
	 * @param month a month as {@code YYYYMM}
	 * @return the month
	 */
	public static YearMonth parseMonth(String month) {
		return YearMonth.parse(month, SUFFIX);
	}

	/**
	 * @param name a partition's name, without its schema
	 * @return its month, or {@code null} for the default partition or a table the kit did not name
	 */
	public @Nullable YearMonth monthOf(String name) {
		String ledger = this.tables.usageEvent();
		String prefix = ledger.substring(ledger.lastIndexOf('.') + 1) + "_p";
		if (!name.startsWith(prefix) || name.length() != prefix.length() + 6) {
			return null;
		}
		try {
			return parseMonth(name.substring(prefix.length()));
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	/** @param month the month @return the statement detaching its partition */
	public String detach(YearMonth month) {
		return month(DETACH, month);
	}

	/** @param month the month @return the query telling whether its partition is folded */
	public String folded(YearMonth month) {
		return month(FOLDED, month);
	}

	/** @param month the month @return the statements dropping its detached partition and its keys */
	public String[] drop(YearMonth month) {
		return new String[] { month(DROP, month), month(DROP_KEYS, month) };
	}

	private String month(String sql, YearMonth month) {
		return this.tables.resolve(sql)
			.replace("%PARTITION%", partition(month))
			.replace("%FROM%", bound(month))
			.replace("%TO%", bound(month.plusMonths(1)));
	}

	private static String bound(YearMonth month) {
		return "'" + month.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC) + "'";
	}

}
