package dev.metering.internal.sql;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

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
