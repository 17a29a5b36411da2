package dev.metering.ledger;

import java.sql.DatabaseMetaData;
import java.time.Instant;
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
	protected static final String EVENT_COLUMNS = "event_id, idempotency_key, tenant_id, billing_scope_id, meter, "
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
