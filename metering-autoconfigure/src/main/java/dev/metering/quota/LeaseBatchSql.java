package dev.metering.quota;

import java.util.StringJoiner;

import dev.metering.ledger.MeteringTables;

/**
 * The multi-row statements of {@link QuotaLeaseStore} for a batch of windows, per dialect
 * ({@code postgresql}, {@code mysql} for MySQL and MariaDB, {@code h2}). A batch is a derived
 * table of bound parameters joined to the allocation or lease table on its primary key, so one
 * statement serves any number of windows and no value is ever written into the SQL text.
 * <p>
 * The conditional grant sets {@code version} to a token drawn for the batch instead of adding
 * one: the rows that carry the token afterwards, read in the same transaction (which still holds
 * their row locks), are exactly the ones this batch updated.
 */
final class LeaseBatchSql {

	private static final String KEY_JOIN = "a.scope_id = v.s AND a.meter = v.m AND a.window_kind = v.k "
			+ "AND a.window_start = v.st";

	private final String platform;

	private final String allocation;

	private final String lease;

	LeaseBatchSql(MeteringTables tables, String platform) {
		this.platform = platform;
		this.allocation = tables.prefix() + "quota_allocation";
		this.lease = tables.prefix() + "quota_lease";
	}

	/** Columns of a derived table row: name and SQL type (for the casts PostgreSQL and H2 need). */
	private enum Column {

		S("s", "VARCHAR(128)", true), M("m", "VARCHAR(128)", true), K("k", "VARCHAR(8)", true),
		ST("st", "BIGINT", false), I("i", "VARCHAR(64)", true), AMOUNT("amount", "NUMERIC(38, 9)", false),
		LIM("lim", "NUMERIC(38, 9)", false), G("g", "NUMERIC(38, 9)", false), EXP("exp", "BIGINT", false);

		final String alias;

		final String type;

		final boolean text;

		Column(String alias, String type, boolean text) {
			this.alias = alias;
			this.type = type;
			this.text = text;
		}

		/** A parameter of a MySQL derived table: text in the tables' binary collation, so the join compares alike. */
		String mysqlParameter() {
			return this.text ? "CONVERT(? USING utf8mb4) COLLATE utf8mb4_bin" : "?";
		}

	}

	private static final Column[] KEY = { Column.S, Column.M, Column.K, Column.ST };

	private static final Column[] GRANT = { Column.S, Column.M, Column.K, Column.ST, Column.AMOUNT, Column.LIM };

	private static final Column[] CREATE = { Column.S, Column.M, Column.K, Column.ST, Column.G };

	private static final Column[] LEASE = { Column.S, Column.M, Column.K, Column.ST, Column.I, Column.AMOUNT,
			Column.EXP };

	boolean mysql() {
		return "mysql".equals(this.platform) || "mariadb".equals(this.platform);
	}

	private boolean h2() {
		return "h2".equals(this.platform);
	}

	/** A derived table {@code v} of {@code rows} rows of parameters. */
	private String derived(int rows, Column... columns) {
		StringBuilder sql = new StringBuilder("(");
		if (mysql()) {
			for (int r = 0; r < rows; r++) {
				StringJoiner row = new StringJoiner(", ", (r == 0) ? "SELECT " : " UNION ALL SELECT ", "");
				for (Column column : columns) {
					row.add(column.mysqlParameter() + ((r == 0) ? " AS " + column.alias : ""));
				}
				sql.append(row);
			}
			return sql.append(") v").toString();
		}
		sql.append("VALUES ");
		for (int r = 0; r < rows; r++) {
			StringJoiner row = new StringJoiner(", ", (r == 0) ? "(" : ", (", ")");
			for (Column column : columns) {
				row.add("CAST(? AS " + column.type + ")");
			}
			sql.append(row);
		}
		StringJoiner aliases = new StringJoiner(", ", ") v(", ")");
		for (Column column : columns) {
			aliases.add(column.alias);
		}
		return sql.append(aliases).toString();
	}

	/** Parameters: scope, meter, kind, start per row. Columns: key, granted, version. */
	String selectAllocations(int rows) {
		return "SELECT a.scope_id, a.meter, a.window_kind, a.window_start, a.granted, a.version FROM "
				+ derived(rows, KEY) + " JOIN " + this.allocation + " a ON " + KEY_JOIN;
	}

	/** Parameters: scope, meter, kind, start, granted per row. Keeps a row another instance created first. */
	String insertAllocations(int rows) {
		String columns = " (scope_id, meter, window_kind, window_start, granted, version)";
		if (h2()) {
			return "MERGE INTO " + this.allocation + " a USING " + derived(rows, CREATE) + " ON (" + KEY_JOIN
					+ ") WHEN NOT MATCHED THEN INSERT" + columns + " VALUES (v.s, v.m, v.k, v.st, v.g, 0)";
		}
		String values = values(rows, "(?, ?, ?, ?, ?, 0)");
		return "INSERT INTO " + this.allocation + columns + " VALUES " + values
				+ (mysql() ? " ON DUPLICATE KEY UPDATE version = version" : " ON CONFLICT DO NOTHING");
	}

	/**
	 * The conditional grant of many windows: each row's {@code granted} rises by its amount only
	 * when that keeps it within its limit ({@code granted + amount <= limit}).
	 * Parameters: on PostgreSQL the token first, then scope, meter, kind, start, amount, limit per
	 * row; elsewhere the rows first, then the token ({@link #tokenFirst()}).
	 */
	String grantAllocations(int rows) {
		if (mysql()) {
			return "UPDATE " + this.allocation + " a JOIN " + derived(rows, GRANT) + " ON " + KEY_JOIN
					+ " SET a.granted = a.granted + v.amount, a.version = ? WHERE a.granted + v.amount <= v.lim";
		}
		if (h2()) {
			return "MERGE INTO " + this.allocation + " a USING " + derived(rows, GRANT) + " ON (" + KEY_JOIN
					+ ") WHEN MATCHED AND a.granted + v.amount <= v.lim THEN UPDATE SET granted = a.granted + v.amount, "
					+ "version = ?";
		}
		return "UPDATE " + this.allocation + " a SET granted = a.granted + v.amount, version = ? FROM "
				+ derived(rows, GRANT) + " WHERE " + KEY_JOIN + " AND a.granted + v.amount <= v.lim";
	}

	/** Whether {@link #grantAllocations} takes the token before the rows. */
	boolean tokenFirst() {
		return !mysql() && !h2();
	}

	/** Parameters: scope, meter, kind, start per row, then the token. Columns: key, granted. */
	String selectGranted(int rows) {
		return "SELECT a.scope_id, a.meter, a.window_kind, a.window_start, a.granted FROM " + derived(rows, KEY)
				+ " JOIN " + this.allocation + " a ON " + KEY_JOIN + " WHERE a.version = ?";
	}

	/** Adds to (or creates) this instance's leases. Parameters: scope, meter, kind, start, instance, amount, expiry. */
	String upsertLeases(int rows) {
		String columns = " (scope_id, meter, window_kind, window_start, instance_id, amount, committed, expires_at)";
		if (h2()) {
			return "MERGE INTO " + this.lease + " a USING " + derived(rows, LEASE) + " ON (" + KEY_JOIN
					+ " AND a.instance_id = v.i) WHEN MATCHED THEN UPDATE SET amount = a.amount + v.amount, "
					+ "expires_at = v.exp WHEN NOT MATCHED THEN INSERT" + columns
					+ " VALUES (v.s, v.m, v.k, v.st, v.i, v.amount, 0, v.exp)";
		}
		String insert = "INSERT INTO " + this.lease + columns + " VALUES " + values(rows, "(?, ?, ?, ?, ?, ?, 0, ?)");
		if (mysql()) {
			return insert + " ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount), expires_at = VALUES(expires_at)";
		}
		return insert + " ON CONFLICT (scope_id, meter, window_kind, window_start, instance_id) DO UPDATE SET "
				+ "amount = " + this.lease + ".amount + EXCLUDED.amount, expires_at = EXCLUDED.expires_at";
	}

	private static String values(int rows, String row) {
		StringJoiner values = new StringJoiner(", ");
		for (int r = 0; r < rows; r++) {
			values.add(row);
		}
		return values.toString();
	}

}
