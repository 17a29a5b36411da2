package dev.metering.internal.sql;

import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import javax.sql.DataSource;

import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.jdbc.core.ArgumentPreparedStatementSetter;
import org.springframework.jdbc.core.PreparedStatementCreator;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;

/**
 * The databases the kit keeps its ledger in: which statements it runs on each ({@link #sql}),
 * and how a timestamp column is bound and read.
 */
public enum LedgerDatabase {

	/** PostgreSQL: {@code timestamptz}, bound as a UTC {@code OffsetDateTime}. */
	POSTGRESQL("postgresql"),

	/** H2: {@code TIMESTAMP WITH TIME ZONE}, bound as a UTC {@code OffsetDateTime}. */
	H2("h2"),

	/** MySQL and MariaDB: UTC in {@code DATETIME(6)}, bound as a {@code LocalDateTime}. */
	MYSQL("mysql") {

		@Override
		public Object timestamp(Instant instant) {
			return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
		}

		@Override
		public Instant readTimestamp(ResultSet rs, int column) throws SQLException {
			return rs.getObject(column, LocalDateTime.class).toInstant(ZoneOffset.UTC);
		}

	};

	private final String platform;

	LedgerDatabase(String platform) {
		this.platform = platform;
	}

	/**
	 * Every statement the kit runs on this database.
	 * @param tablePrefix the table prefix ({@code MeteringTables.prefix()})
	 * @return the statements
	 */
	public DatabaseSql sql(String tablePrefix) {
		TableNames tables = new TableNames(tablePrefix);
		return switch (this) {
			case POSTGRESQL -> new PostgresSql(tables);
			case H2 -> new H2Sql(tables);
			case MYSQL -> new MySqlSql(tables);
		};
	}

	/**
	 * The platform name of this database's schema scripts ({@code schema-<platform>.sql}).
	 * @return {@code postgresql}, {@code h2} or {@code mysql}
	 */
	public String platform() {
		return this.platform;
	}

	/**
	 * The JDBC value of an instant for this database's timestamp columns.
	 * @param instant the instant
	 * @return an {@code OffsetDateTime} in UTC, or for MySQL a UTC {@code LocalDateTime}
	 */
	public Object timestamp(Instant instant) {
		return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

	/**
	 * Reads a timestamp column as an instant.
	 * @param rs the result set
	 * @param column the column index
	 * @return the instant
	 * @throws SQLException when the driver fails
	 */
	public Instant readTimestamp(ResultSet rs, int column) throws SQLException {
		return rs.getObject(column, OffsetDateTime.class).toInstant();
	}

	/**
	 * A statement that PostgreSQL plans for each execution, with its values and the tables as they
	 * are then, instead of a generic plan cached by a server-prepared statement (with pgjdbc; any
	 * other driver or database prepares it as usual). For statements run once per batch, whose
	 * plan depends on the tables' size: a plan cached while the kit's tables were new and empty
	 * scanned them whole once they had grown, until the first ANALYZE.
	 * @param sql the statement
	 * @param args its parameters
	 * @return a creator for {@code JdbcTemplate}
	 */
	public static PreparedStatementCreator plannedEachExecution(String sql, Object... args) {
		return (connection) -> {
			PreparedStatement statement = connection.prepareStatement(sql);
			PlannedEachExecution.apply(statement);
			new ArgumentPreparedStatementSetter(args).setValues(statement);
			return statement;
		};
	}

	/**
	 * The database of a Spring Boot platform name ({@code postgresql}, {@code h2}, {@code mysql},
	 * {@code mariadb}: the ids of Boot's {@link DatabaseDriver}).
	 * @param platform the platform name
	 * @return the database
	 * @throws IllegalArgumentException for a database the kit does not support
	 */
	public static LedgerDatabase forPlatform(String platform) {
		for (DatabaseDriver driver : DatabaseDriver.values()) {
			if (driver.getId().equalsIgnoreCase(platform)) {
				return of(driver, platform);
			}
		}
		return of(DatabaseDriver.UNKNOWN, platform);
	}

	/**
	 * The database behind a DataSource, from the product name in its JDBC metadata.
	 * @param dataSource the DataSource
	 * @return the database
	 * @throws IllegalArgumentException for a database the kit does not support
	 */
	public static LedgerDatabase detect(DataSource dataSource) {
		try {
			String product = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
			return of(DatabaseDriver.fromProductName(product), product);
		}
		catch (MetaDataAccessException ex) {
			throw new IllegalStateException("Could not tell which database the metering kit writes to; "
					+ "set metering.jdbc.platform", ex);
		}
	}

	private static LedgerDatabase of(DatabaseDriver driver, String name) {
		return switch (driver) {
			case POSTGRESQL -> POSTGRESQL;
			case H2 -> H2;
			case MYSQL, MARIADB -> MYSQL;
			default -> throw new IllegalArgumentException("The metering kit supports PostgreSQL, H2, MySQL and "
					+ "MariaDB; '" + name + "' is not one of them (metering.jdbc.platform)");
		};
	}

}
