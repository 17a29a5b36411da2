package dev.metering.ledger;

import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import dev.metering.event.UsageEvent;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;

/**
 * All SQL the kit runs against one kind of database, in one place per dialect. Statements are
 * built from the validated {@link MeteringTables} names only, never from input.
 */
public abstract sealed class SqlDialect permits PostgresSqlDialect, H2SqlDialect, MySqlSqlDialect {

	/** The ledger columns the kit writes, in the order every dialect binds them. */
	static final String EVENT_COLUMNS = "event_id, idempotency_key, tenant_id, billing_scope_id, meter, "
			+ "quantity, occurred_at, recorded_at, user_id, resource, source, dimensions";

	/**
	 * The platform name of this dialect's schema scripts ({@code schema-<platform>.sql}).
	 * @return {@code postgresql}, {@code h2} or {@code mysql}
	 */
	public abstract String platform();

	/**
	 * Inserts events, skipping duplicates of {@code event_id} and of
	 * ({@code tenant_id}, {@code idempotency_key}), inside the caller's transaction.
	 * @param jdbc the template to run on
	 * @param tables the table names
	 * @param events the events
	 * @param recordedAt the {@code recorded_at} of every row
	 * @return rows inserted and duplicates skipped
	 */
	public abstract InsertResult insertEvents(JdbcTemplate jdbc, MeteringTables tables, List<UsageEvent> events,
			Instant recordedAt);

	/**
	 * Sums the ledger's quantity of one tenant and meter over {@code [from, to)}.
	 * @param tables the table names
	 * @param column {@code tenant_id} or {@code billing_scope_id}
	 * @return SQL with parameters id, meter, from, to (bind instants with {@link #timestamp(Instant)})
	 */
	public String sumLedgerSql(MeteringTables tables, LedgerScopeColumn column) {
		return "SELECT COALESCE(SUM(quantity), 0) FROM " + tables.usageEvent() + " WHERE " + column.column()
				+ " = ? AND meter = ? AND occurred_at >= ? AND occurred_at < ?";
	}

	/** The ledger columns a rollup run reads, in the order {@link #newLedgerRowsSql} returns them. */
	protected static final String FOLD_COLUMNS = "id, tenant_id, meter, billing_scope_id, quantity, occurred_at";

	/** The rollup columns every dialect's upsert binds, in order. */
	protected static final String ROLLUP_COLUMNS = "tenant_id, meter, billing_scope_id, period_start, quantity, "
			+ "event_count, updated_at";

	/**
	 * Creates a rollup's progress row (watermark 0) unless it exists. Another instance may create
	 * it at the same moment: the caller treats a duplicate key as success.
	 * @param jdbc the template to run on
	 * @param tables the table names
	 * @param name the rollup's name
	 * @param now the {@code updated_at}
	 */
	public abstract void insertRollupStateIfAbsent(JdbcTemplate jdbc, MeteringTables tables, String name,
			Instant now);

	/**
	 * Adds deltas to their rollup rows, creating missing rows, inside the caller's transaction.
	 * Each key appears at most once in {@code deltas}.
	 * @param jdbc the template to run on
	 * @param tables the table names
	 * @param deltas what to add
	 * @param now the {@code updated_at} of every touched row
	 */
	public abstract void upsertRollups(JdbcTemplate jdbc, MeteringTables tables, List<RollupDelta> deltas,
			Instant now);

	/**
	 * Locks a rollup's progress row until the transaction ends: the lock that lets only one run of
	 * all instances fold at a time.
	 * @param tables the table names
	 * @return SQL with parameter name, selecting the watermark
	 */
	public String lockRollupStateSql(MeteringTables tables) {
		return "SELECT watermark FROM " + tables.rollupState() + " WHERE name = ? FOR UPDATE";
	}

	/**
	 * The open gaps of a rollup, read as a locking read so that every database returns the latest
	 * committed rows (not an older snapshot) once the progress row is locked.
	 * @param tables the table names
	 * @return SQL with parameter name, selecting gap_start, gap_end, first_seen_at
	 */
	public String lockRollupGapsSql(MeteringTables tables) {
		return "SELECT gap_start, gap_end, first_seen_at FROM " + tables.rollupGap() + " WHERE name = ? FOR UPDATE";
	}

	/**
	 * The next ledger rows above a watermark, by id: an index range scan of the primary key, so
	 * its cost follows the rows returned, never the size of the ledger.
	 * @param tables the table names
	 * @return SQL with parameters watermark and limit, selecting {@link #FOLD_COLUMNS}
	 */
	public String newLedgerRowsSql(MeteringTables tables) {
		return "SELECT " + FOLD_COLUMNS + " FROM " + tables.usageEvent() + " WHERE id > ? ORDER BY id LIMIT ?";
	}

	/**
	 * The ledger rows whose ids lie in any of several inclusive ranges (one primary-key range scan
	 * each).
	 * @param tables the table names
	 * @param ranges how many ranges
	 * @return SQL with parameters start and end of each range, selecting {@link #FOLD_COLUMNS}
	 */
	public String ledgerRowsInRangesSql(MeteringTables tables, int ranges) {
		String one = "SELECT " + FOLD_COLUMNS + " FROM " + tables.usageEvent() + " WHERE id BETWEEN ? AND ?";
		return String.join(" UNION ALL ", Collections.nCopies(ranges, one));
	}

	/**
	 * Deletes one gap of a rollup.
	 * @param tables the table names
	 * @return SQL with parameters name, gap_start
	 */
	public String deleteRollupGapSql(MeteringTables tables) {
		return "DELETE FROM " + tables.rollupGap() + " WHERE name = ? AND gap_start = ?";
	}

	/**
	 * Inserts one gap of a rollup.
	 * @param tables the table names
	 * @return SQL with parameters name, gap_start, gap_end, first_seen_at
	 */
	public String insertRollupGapSql(MeteringTables tables) {
		return "INSERT INTO " + tables.rollupGap() + " (name, gap_start, gap_end, first_seen_at) VALUES (?, ?, ?, ?)";
	}

	/**
	 * Moves a rollup's watermark.
	 * @param tables the table names
	 * @return SQL with parameters watermark, updated_at, name
	 */
	public String updateRollupStateSql(MeteringTables tables) {
		return "UPDATE " + tables.rollupState() + " SET watermark = ?, updated_at = ? WHERE name = ?";
	}

	/**
	 * A rollup's watermark and the start of its lowest open gap (null when none), without locking.
	 * @param tables the table names
	 * @return SQL with parameter name
	 */
	public String rollupProgressSql(MeteringTables tables) {
		return "SELECT s.watermark, (SELECT MIN(g.gap_start) FROM " + tables.rollupGap()
				+ " g WHERE g.name = s.name) FROM " + tables.rollupState() + " s WHERE s.name = ?";
	}

	/**
	 * When the lowest ledger row above a watermark was recorded: how long unfolded events wait.
	 * @param tables the table names
	 * @return SQL with parameter watermark, selecting recorded_at (no row when none)
	 */
	public String oldestUnfoldedSql(MeteringTables tables) {
		return "SELECT recorded_at FROM " + tables.usageEvent() + " WHERE id > ? ORDER BY id LIMIT 1";
	}

	/**
	 * Usage of whole hours as rollups plus the ledger rows the rollup has not folded yet (above
	 * its watermark or in one of its gaps), in one statement, so that both parts come from the
	 * same snapshot and a run committing meanwhile can neither hide a row nor count it twice.
	 * @param tables the table names
	 * @param column {@code tenant_id} or {@code billing_scope_id}
	 * @return SQL with parameters id, meter, from, to (rollups); lowestUnfolded (a lower bound of
	 * every unfolded id, which lets the database scan the primary key), id, meter, from, to, name,
	 * name (ledger)
	 */
	public String sumRollupsAndUnfoldedSql(MeteringTables tables, LedgerScopeColumn column) {
		String c = column.column();
		return "SELECT COALESCE((SELECT SUM(r.quantity) FROM " + tables.usageRollup() + " r WHERE r." + c
				+ " = ? AND r.meter = ? AND r.period_start >= ? AND r.period_start < ?), 0) + COALESCE((SELECT SUM("
				+ "e.quantity) FROM " + tables.usageEvent() + " e WHERE e.id >= ? AND e." + c
				+ " = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ? AND (e.id > COALESCE((SELECT "
				+ "s.watermark FROM " + tables.rollupState() + " s WHERE s.name = ?), 0) OR EXISTS (SELECT 1 FROM "
				+ tables.rollupGap() + " g WHERE g.name = ? AND e.id BETWEEN g.gap_start AND g.gap_end))), 0)";
	}

	/**
	 * Reads a timestamp column as an instant.
	 * @param rs the result set
	 * @param column the column index
	 * @return the instant
	 * @throws SQLException when the driver fails
	 */
	public Instant readTimestamp(ResultSet rs, int column) throws SQLException {
		return rs.getObject(column, java.time.OffsetDateTime.class).toInstant();
	}

	/**
	 * The JDBC value of an instant for this database's timestamp columns.
	 * @param instant the instant
	 * @return an {@code OffsetDateTime} in UTC, or for MySQL a UTC {@code LocalDateTime}
	 */
	public Object timestamp(Instant instant) {
		return java.time.OffsetDateTime.ofInstant(instant, java.time.ZoneOffset.UTC);
	}

	/**
	 * The dialect for a platform name as used by Spring Boot ({@code postgresql}, {@code h2},
	 * {@code mysql}, {@code mariadb}).
	 * @param platform the platform name
	 * @return the dialect
	 * @throws IllegalArgumentException for a database the kit does not support
	 */
	public static SqlDialect forPlatform(String platform) {
		return switch (platform.toLowerCase(Locale.ROOT)) {
			case "postgresql", "postgres" -> new PostgresSqlDialect();
			case "h2" -> new H2SqlDialect();
			case "mysql", "mariadb" -> new MySqlSqlDialect();
			default -> throw new IllegalArgumentException("The metering kit supports PostgreSQL, H2, MySQL and MariaDB; "
					+ "'" + platform + "' is not one of them (metering.jdbc.platform)");
		};
	}

	/**
	 * The PostgreSQL dialect as it writes without the pgjdbc driver: one
	 * {@code INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING} per batch. For
	 * comparisons (the benchmarks); {@link #forPlatform(String)} picks the best path itself.
	 * @return the dialect
	 */
	public static SqlDialect postgresqlWithoutCopy() {
		return new PostgresSqlDialect(false);
	}

	/**
	 * The dialect of the database behind a DataSource, from its JDBC metadata.
	 * @param dataSource the DataSource
	 * @return the dialect
	 */
	public static SqlDialect detect(DataSource dataSource) {
		try {
			String product = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
			return forPlatform(platformOf(product));
		}
		catch (MetaDataAccessException ex) {
			throw new IllegalStateException("Could not tell which database the metering kit writes to; "
					+ "set metering.jdbc.platform", ex);
		}
	}

	private static String platformOf(String productName) {
		String product = productName.toLowerCase(Locale.ROOT);
		if (product.contains("postgres")) {
			return "postgresql";
		}
		if (product.contains("mariadb")) {
			return "mariadb";
		}
		if (product.contains("mysql")) {
			return "mysql";
		}
		return product;
	}

	@Override
	public String toString() {
		return platform();
	}

}
