package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.quota.bus.PostgresInvalidationBus;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.tenant.TenantDirectory;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a lineage's check plan adds: it keeps every level's policies between checks, so each
 * runtime change must reach it at once. The plans here never look their levels up again on their
 * own (every hour), so only the change itself can bring them up to date: a lineage's parent
 * changed, a quota added at a parent level, a level moved to another plan, a quota of a level's
 * plan changed, and (PostgreSQL) a change made on another instance, carried by the bus.
 */
class LineagePlanChangesTests {

	private static final String METER = "http.requests";

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, String ttl) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.cache.definitions-ttl=" + ttl,
					"metering.tenants.reseller-x.exempt=false", "metering.tenants.org-1.parent=reseller-x", "metering.tenants.org-1.plan=business",
					"metering.tenants.org-2.parent=reseller-x", "metering.tenants.org-2.quotas[0].meter=" + METER,
					"metering.tenants.org-2.quotas[0].limit=1", "metering.tenants.org-2.quotas[0].window=day",
					"metering.tenants.project-a.parent=org-1", "metering.tenants.project-a.quotas[0].meter=" + METER,
					"metering.tenants.project-a.quotas[0].limit=1000", "metering.tenants.project-a.quotas[0].window=day",
					"metering.plans.business.quotas[0].meter=" + METER, "metering.plans.business.quotas[0].limit=100",
					"metering.plans.business.quotas[0].window=day");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aNewParentIsCheckedAtOnce(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			runner(schema, dataSource, "1h").run((context) -> {
				Checks checks = new Checks(context);
				assertThat(checks.scopesOf(checks.hold("project-a"))).containsExactly("project-a", "org-1");

				context.getBean(MeteringAdmin.class)
					.putTenant("test", "project-a", new TenantChange(null, null, "org-2", null, null));

				// org-2 allows 1 a day: the first call passes, the second is refused by org-2.
				QuotaDecision first = checks.hold("project-a");
				assertThat(first.allowed()).isTrue();
				assertThat(checks.scopesOf(first)).containsExactly("project-a", "org-2");
				QuotaDecision second = checks.hold("project-a");
				assertThat(second.allowed()).isFalse();
				assertThat(second.violatedPolicies()).singleElement().asString().startsWith("org-2");
				checks.releaseAll();
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aQuotaAddedAtAParentLevelIsCheckedAtOnce(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			runner(schema, dataSource, "1h").run((context) -> {
				Checks checks = new Checks(context);
				assertThat(checks.scopesOf(checks.hold("project-a"))).containsExactly("project-a", "org-1");
				checks.releaseAll();

				context.getBean(MeteringAdmin.class)
					.putTenantQuota("test", "reseller-x", new QuotaChange(METER, "day", BigDecimal.valueOf(2), "hard", null));

				assertThat(checks.scopesOf(checks.hold("project-a"))).containsExactly("project-a", "org-1", "reseller-x");
				assertThat(checks.hold("project-a").allowed()).isTrue();
				QuotaDecision third = checks.hold("project-a");
				assertThat(third.allowed()).isFalse();
				assertThat(third.violatedPolicies()).singleElement().asString().startsWith("reseller-x");
				checks.releaseAll();
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aLevelsNewPlanAndAChangeOfItsPlansQuotaAreCheckedAtOnce(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			runner(schema, dataSource, "1h").run((context) -> {
				Checks checks = new Checks(context);
				MeteringAdmin admin = context.getBean(MeteringAdmin.class);
				admin.createPlan("test", "tiny", "one call a day");
				admin.putPlanQuota("test", "tiny", new QuotaChange(METER, "day", BigDecimal.ONE, "hard", null));
				assertThat(checks.hold("project-a").allowed()).isTrue();
				assertThat(checks.hold("project-a").allowed()).isTrue();
				checks.releaseAll();

				// org-1 moves to the plan 'tiny': one call a day at org-1.
				admin.putTenant("test", "org-1", new TenantChange("tiny", null));
				assertThat(checks.hold("project-a").allowed()).isTrue();
				QuotaDecision refused = checks.hold("project-a");
				assertThat(refused.allowed()).isFalse();
				assertThat(refused.violatedPolicies()).singleElement().asString().startsWith("org-1/tiny");

				// The plan's quota is raised to 3: two more calls pass at org-1.
				admin.putPlanQuota("test", "tiny", new QuotaChange(METER, "day", BigDecimal.valueOf(3), "hard", null));
				assertThat(checks.hold("project-a").allowed()).isTrue();
				assertThat(checks.hold("project-a").allowed()).isTrue();
				assertThat(checks.hold("project-a").allowed()).isFalse();
				checks.releaseAll();
			});
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "POSTGRESQL")
	void aQuotaAddedAtAParentOnAnotherInstanceReachesThisInstancesPlanOverTheBus(TestDatabase database)
			throws InterruptedException {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first, "1h").run((one) -> runner(schema, second, "1h").run((two) -> {
				assertThat(two.getBean(QuotaInvalidationBus.class)).isInstanceOf(PostgresInvalidationBus.class);
				awaitListening(one);
				awaitListening(two);
				Checks checks = new Checks(two);
				assertThat(checks.scopesOf(checks.hold("project-a"))).containsExactly("project-a", "org-1");
				checks.releaseAll();

				one.getBean(MeteringAdmin.class)
					.putTenantQuota("test", "reseller-x", new QuotaChange(METER, "day", BigDecimal.valueOf(2), "hard", null));

				long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
				List<String> scopes;
				do {
					Thread.sleep(20);
					scopes = checks.scopesOf(checks.hold("project-a"));
					checks.releaseAll();
				}
				while (!scopes.contains("reseller-x") && System.nanoTime() < deadline);
				assertThat(scopes).containsExactly("project-a", "org-1", "reseller-x");
			}));
		}
	}

	private static void awaitListening(ApplicationContext instance) throws InterruptedException {
		PostgresInvalidationBus bus = instance.getBean(PostgresInvalidationBus.class);
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (bus.listenerBackendPid() == 0 && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(bus.listenerBackendPid()).isPositive();
	}

	/** Checks along the lineage as the filter makes them, each keeping its reservation until released. */
	private static final class Checks {

		private final QuotaEnforcementService quotas;

		private final TenantDirectory directory;

		private final List<Reservation> held = new ArrayList<>();

		Checks(ApplicationContext context) {
			this.quotas = context.getBean(QuotaEnforcementService.class);
			// A plan that looked its levels up again by age could hide a change that did not reach it.
			this.quotas.revalidatePlansEvery(Duration.ofHours(1));
			this.directory = context.getBean(TenantDirectory.class);
		}

		QuotaDecision hold(String tenant) {
			List<String> lineage = this.directory.lineageOf(tenant).checkedScopes();
			QuotaDecision decision = this.quotas.check(lineage, METER, BigDecimal.ONE,
					this.quotas.getClock().instant());
			this.held.add(decision.reservation());
			return decision;
		}

		List<String> scopesOf(QuotaDecision decision) {
			return decision.policies().stream().map(PolicyUsage::scope).toList();
		}

		void releaseAll() {
			this.held.forEach(Reservation::release);
			this.held.clear();
		}

	}

}
