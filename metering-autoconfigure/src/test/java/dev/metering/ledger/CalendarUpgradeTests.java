package dev.metering.ledger;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.TenantChange;
import dev.metering.billing.PlanAssignment;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.bus.InProcessInvalidationBus;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The calendar upgrade scripts ({@code upgrade/26-to-27-calendar-*.sql}) on a ledger made by the
 * schema of the version before, after its own upgrade script: run twice (safe to repeat), the
 * tenant table takes a time zone and anchor day and the plan history table is there.
 */
class CalendarUpgradeTests {

	private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anEarlierDatabaseUpgradedKeepsCalendarsAndPlanHistory(TestDatabase database) {
		try (TestSchema schema = database.newSchema("classpath:dev/metering/ledger/before-27/schema-@@platform@@.sql")) {
			schema.runScript("classpath:dev/metering/ledger/upgrade/26-to-27-@@platform@@.sql");
			schema.runScript("classpath:dev/metering/ledger/upgrade/26-to-27-calendar-@@platform@@.sql");
			schema.runScript("classpath:dev/metering/ledger/upgrade/26-to-27-calendar-@@platform@@.sql");
			JdbcRuntimeDefinitions store = new JdbcRuntimeDefinitions(schema.dataSource(), schema.tables(),
					schema::dialect);
			ConfiguredQuotaDefinitions configured = new ConfiguredQuotaDefinitions(
					java.util.Map.of("free", java.util.List.of(), "pro", java.util.List.of()), java.util.Map.of(), "free");
			MeteringAdmin admin = new MeteringAdmin(store, new LayeredQuotaDefinitions(configured, store),
					new TransactionTemplate(new JdbcTransactionManager(schema.dataSource())),
					new InProcessInvalidationBus((invalidation) -> {
					}), Clock.fixed(NOW, ZoneOffset.UTC));
			admin.putTenant("ops", "acme", new TenantChange("pro", null, null, null, null, "Europe/Berlin", 31,
					Instant.parse("2026-11-10T00:00:00Z")));
			assertThat(store.planHistory("acme")).containsExactly(new PlanAssignment("free", Instant.EPOCH),
					new PlanAssignment("pro", Instant.parse("2026-11-10T00:00:00Z")));
			assertThat(schema.jdbc()
				.queryForObject("SELECT time_zone FROM " + schema.prefix() + "tenant WHERE tenant_id = 'acme'",
						String.class)).isEqualTo("Europe/Berlin");
		}
	}

}
