package dev.metering.test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Assumptions;

/**
 * The real databases every database behaviour is tested on.
 * <ul>
 * <li>H2, in memory, always.</li>
 * <li>PostgreSQL: the server at {@code METERING_TEST_POSTGRES_URL} when set (CI sets it);
 * otherwise an embedded PostgreSQL from Maven artifacts. PostgreSQL refuses to run as root, so
 * as root the local server at 127.0.0.1:5432 (database {@code test}) is used instead.</li>
 * <li>MariaDB/MySQL: the server at {@code METERING_TEST_MARIADB_URL}; skipped when unset.</li>
 * </ul>
 * A URL that is set but unreachable fails the tests: it never turns into a skip.
 */
public enum TestDatabase {

	H2, POSTGRESQL, MARIADB;

	public static final String POSTGRES_URL_VARIABLE = "METERING_TEST_POSTGRES_URL";

	public static final String MARIADB_URL_VARIABLE = "METERING_TEST_MARIADB_URL";

	private static final String LOCAL_POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	private static final Map<TestDatabase, HikariDataSource> dataSources = new ConcurrentHashMap<>();

	private static final AtomicInteger schemas = new AtomicInteger();

	private static volatile EmbeddedPostgres embeddedPostgres;

	/**
	 * A pooled DataSource of this database, shared by all tests of the JVM. Tests isolate
	 * themselves with a table prefix of their own ({@link #newSchema()}).
	 * @return the DataSource; aborts the test (skip) for MariaDB without a URL
	 */
	public DataSource dataSource() {
		if (this == MARIADB && System.getenv(MARIADB_URL_VARIABLE) == null) {
			Assumptions.abort("MariaDB not configured: set " + MARIADB_URL_VARIABLE);
		}
		return dataSources.computeIfAbsent(this, TestDatabase::createDataSource);
	}

	/**
	 * The JDBC URL of this database (with credentials as URL parameters).
	 * @return the URL
	 */
	public String jdbcUrl() {
		return switch (this) {
			case H2 -> "jdbc:h2:mem:metering-tests;DB_CLOSE_DELAY=-1";
			case POSTGRESQL -> postgresUrl();
			case MARIADB -> {
				String url = System.getenv(MARIADB_URL_VARIABLE);
				if (url == null) {
					Assumptions.abort("MariaDB not configured: set " + MARIADB_URL_VARIABLE);
				}
				yield url;
			}
		};
	}

	/**
	 * A separate DataSource (own pool) to the same database: for tests that need independent
	 * connections, such as two application instances.
	 * @param maxPoolSize connections of the pool
	 * @return a new DataSource; close it after the test
	 */
	public HikariDataSource newDataSource(int maxPoolSize) {
		dataSource();
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(jdbcUrl());
		config.setMaximumPoolSize(maxPoolSize);
		config.setPoolName("metering-test-" + name().toLowerCase() + "-" + schemas.incrementAndGet());
		return new HikariDataSource(config);
	}

	/**
	 * Fresh kit tables under a prefix no other test uses.
	 * @return the schema; close it to drop the tables
	 */
	public TestSchema newSchema() {
		return newSchema(dev.metering.ledger.MeteringSchemaInitializer.DEFAULT_SCHEMA_LOCATION);
	}

	/**
	 * Kit tables made by another schema script, e.g. an earlier version's, under a prefix no other
	 * test uses.
	 * @param schemaLocation the script, {@code @@platform@@} for the database's platform
	 * @return the schema; close it to drop the tables (the current version's drop script)
	 */
	public TestSchema newSchema(String schemaLocation) {
		return new TestSchema(this, dataSource(), "t" + ProcessHandle.current().pid() % 10_000 + "_"
				+ schemas.incrementAndGet() + "_metering_", schemaLocation);
	}

	/**
	 * The platform name of this database for the kit's schema scripts.
	 * @return postgresql, h2 or mysql
	 */
	public String platform() {
		return switch (this) {
			case H2 -> "h2";
			case POSTGRESQL -> "postgresql";
			case MARIADB -> "mysql";
		};
	}

	private static HikariDataSource createDataSource(TestDatabase database) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(database.jdbcUrl());
		config.setMaximumPoolSize(12);
		config.setPoolName("metering-test-" + database.name().toLowerCase());
		HikariDataSource dataSource = new HikariDataSource(config);
		Runtime.getRuntime().addShutdownHook(new Thread(dataSource::close));
		return dataSource;
	}

	private static synchronized String postgresUrl() {
		String url = System.getenv(POSTGRES_URL_VARIABLE);
		if (url != null) {
			return url;
		}
		if ("root".equals(System.getProperty("user.name"))) {
			// initdb and postgres refuse to run as root, so embedded PostgreSQL cannot start here.
			if (reachable(LOCAL_POSTGRES_URL)) {
				return LOCAL_POSTGRES_URL;
			}
			throw new IllegalStateException("PostgreSQL tests need a server: embedded PostgreSQL cannot run as root "
					+ "and nothing answers at " + LOCAL_POSTGRES_URL + "; set " + POSTGRES_URL_VARIABLE);
		}
		try {
			if (embeddedPostgres == null) {
				embeddedPostgres = EmbeddedPostgres.builder().start();
				EmbeddedPostgres started = embeddedPostgres;
				Runtime.getRuntime().addShutdownHook(new Thread(() -> {
					try {
						started.close();
					}
					catch (Exception ex) {
						// the JVM is exiting
					}
				}));
			}
			return embeddedPostgres.getJdbcUrl("postgres", "postgres");
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not start embedded PostgreSQL; set " + POSTGRES_URL_VARIABLE, ex);
		}
	}

	private static boolean reachable(String url) {
		try (Connection connection = DriverManager.getConnection(url)) {
			return connection.isValid(2);
		}
		catch (SQLException ex) {
			return false;
		}
	}

}
