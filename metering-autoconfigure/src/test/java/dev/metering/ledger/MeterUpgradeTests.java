package dev.metering.ledger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import dev.metering.rollup.MeterRollupReader;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.rollup.RollupTruth;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upgrade scripts ({@code upgrade/26-to-27-*.sql}) on a ledger made by the schema of the
 * version before meter definitions, with rows written and folded by it: after the script (run
 * twice: it is safe to repeat), the new code folds defined meters into their group rollups, and
 * every sum rollup still equals the ledger, and the admin API's meter definitions table is there.
 */
class MeterUpgradeTests {

	private static final Instant HOUR = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);

	private static final MeterDefinitions meters = MeterDefinitions.of(List.of(MeterDefinition
		.builder("llm.tokens", Aggregation.SUM).value("/tokens").groupBy("model", "/model").build()));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anEarlierLedgerUpgradedRunsTheNewCode(TestDatabase database) {
		try (TestSchema schema = database.newSchema("classpath:dev/metering/ledger/before-27/schema-@@platform@@.sql")) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			RollupSettings settings = new RollupSettings(100, Duration.ofMinutes(10));
			// The earlier version: events of meters without definitions, folded by its rollup.
			store.insert(List.of(UsageEvent.builder("acme", "http.requests").occurredAt(HOUR).userId("ann").build(),
					UsageEvent.builder("acme", "http.requests").occurredAt(HOUR.minus(1, ChronoUnit.DAYS)).userId("ann")
						.build(),
					UsageEvent.builder("acme", "llm.tokens").quantity(7).occurredAt(HOUR).build()), Instant.now());
			// Today's fold also writes the daily per-user rollups, which the earlier version had not:
			// a table of the test's own for that fold, dropped before the upgrade fills it from the hourly ones.
			schema.jdbc().execute(earlierDailyTable(database, schema.tables().usageUserDay()));
			new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), settings, Clock.systemUTC())
				.rollupNow();
			schema.jdbc().execute("DROP TABLE " + schema.tables().usageUserDay());

			schema.runScript("classpath:dev/metering/ledger/upgrade/26-to-27-@@platform@@.sql");
			schema.runScript("classpath:dev/metering/ledger/upgrade/26-to-27-@@platform@@.sql");
			assertThat(new dev.metering.admin.JdbcRuntimeDefinitions(schema.dataSource(), schema.tables(),
					schema::dialect)
				.meterDefinitions()).as("the admin API's meter definitions table is there, empty").isEmpty();

			MeterEvents events = new MeterEvents(meters);
			store.insert(events.eventsOf(UsagePayload.builder("acme", "llm.tokens")
				.data(Map.of("model", "gpt-4o", "tokens", 120))
				.occurredAt(HOUR.plusSeconds(60))
				.build()), Instant.now());
			new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), settings, Clock.systemUTC(),
					() -> meters)
				.rollupNow();

			assertThat(RollupTruth.differences(schema)).as("hourly and daily rollups (daily filled by the upgrade)")
				.isEmpty();
			Map<Map<String, String>, ?> groups = new MeterRollupReader(schema.dataSource(), schema::dialect,
					schema.tables())
				.read("acme", "llm.tokens", HOUR, HOUR.plus(1, ChronoUnit.HOURS));
			assertThat(groups).as("events folded before the upgrade are not refolded; new ones are")
				.containsOnlyKeys(Map.of("model", "gpt-4o"));
			assertThat(new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables())
				.read("acme", "llm.tokens", HOUR, HOUR.plus(1, ChronoUnit.HOURS))
				.get(Map.of("model", "gpt-4o"))
				.sum()).isEqualByComparingTo(BigDecimal.valueOf(120));
		}
	}

	private static String earlierDailyTable(TestDatabase database, String table) {
		String timestamp = switch (database) {
			case H2 -> "TIMESTAMP WITH TIME ZONE";
			case POSTGRESQL -> "TIMESTAMPTZ";
			case MARIADB -> "DATETIME(6)";
		};
		return "CREATE TABLE " + table + " (tenant_id VARCHAR(128) NOT NULL, meter VARCHAR(128) NOT NULL, day_start "
				+ timestamp + " NOT NULL, user_id VARCHAR(256) NOT NULL, quantity NUMERIC(38, 9) NOT NULL, "
				+ "event_count BIGINT NOT NULL, updated_at " + timestamp + " NOT NULL, "
				+ "PRIMARY KEY (tenant_id, meter, day_start, user_id))";
	}

}
