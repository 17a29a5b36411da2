package dev.metering.ledger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import dev.metering.event.UsageEvent;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.rollup.RollupUsageReader;
import dev.metering.test.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table prefix that names a schema ({@code billing.metering_}): the schema scripts create
 * every table in that schema with constraint and index names of their own (unqualified, which
 * is all PostgreSQL and MySQL accept), and the ledger, rollups and readers work in it.
 */
class SchemaQualifiedPrefixTests {

	private static final AtomicInteger schemas = new AtomicInteger();

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theKitCreatesAndUsesItsTablesInAnotherSchema(TestDatabase database) {
		DataSource dataSource = database.dataSource();
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		String schema = "metering_s" + ProcessHandle.current().pid() % 10_000 + "_" + schemas.incrementAndGet();
		jdbc.execute(((database == TestDatabase.MARIADB) ? "CREATE DATABASE " : "CREATE SCHEMA ") + schema);
		try {
			MeteringTables tables = new MeteringTables(schema + ".metering_");
			initialize(database, dataSource, tables);
			// Twice: the scripts are safe to run again, in another schema too.
			initialize(database, dataSource, tables);

			Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
			UsageEvent first = UsageEvent.builder("acme", "api.calls").quantity(new BigDecimal("2"))
				.occurredAt(hour.plusSeconds(10)).build();
			UsageEvent second = UsageEvent.builder("acme", "api.calls").quantity(new BigDecimal("3"))
				.occurredAt(hour.plusSeconds(20)).idempotencyKey("k-1").build();
			JdbcUsageEventStore store = new JdbcUsageEventStore(dataSource, tables);
			assertThat(store.insert(List.of(first, second), Instant.now())).isEqualTo(new InsertResult(2, 0));
			assertThat(store.insert(List.of(first, second), Instant.now())).isEqualTo(new InsertResult(0, 2));

			RollupJob job = new RollupJob(dataSource, () -> LedgerDatabase.detect(dataSource), tables,
					new RollupSettings(1_000, Duration.ofMinutes(5)), Clock.systemUTC());
			assertThat(job.rollupNow().eventsFolded()).isEqualTo(2);
			assertThat(new RollupUsageReader(dataSource, () -> LedgerDatabase.detect(dataSource), tables)
				.tenantUsage("acme", "api.calls", hour, hour.plus(1, ChronoUnit.HOURS))).isEqualByComparingTo("5");

			assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + tables.usageEvent(), Long.class)).isEqualTo(2);
			assertThat(constraintNames(jdbc, schema)).contains("metering_usage_event_event_id_uk",
					"metering_usage_event_idempotency_uk");
		}
		finally {
			jdbc.execute((database == TestDatabase.MARIADB) ? "DROP DATABASE " + schema
					: "DROP SCHEMA " + schema + " CASCADE");
		}
	}

	private static void initialize(TestDatabase database, DataSource dataSource, MeteringTables tables) {
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations(List
			.of(MeteringSchemaInitializer.DEFAULT_SCHEMA_LOCATION.replace("@@platform@@", database.platform())));
		settings.setMode(DatabaseInitializationMode.ALWAYS);
		new MeteringSchemaInitializer(dataSource, settings, tables).initializeDatabase();
	}

	private static List<String> constraintNames(JdbcTemplate jdbc, String schema) {
		return jdbc.queryForList("SELECT LOWER(constraint_name) FROM information_schema.table_constraints "
				+ "WHERE LOWER(constraint_schema) = ?", String.class, schema);
	}

}
