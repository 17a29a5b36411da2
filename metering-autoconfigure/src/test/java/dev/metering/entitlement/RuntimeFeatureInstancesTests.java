package dev.metering.entitlement;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.admin.MeteringAdmin;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringEntitlementAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A feature set at runtime through {@link MeteringAdmin} on one instance is honoured by
 * {@code @Entitled} on another (two contexts, each on its own pool to one database): through
 * the bus on PostgreSQL, by the definitions' expiry elsewhere; audited; refused input changes
 * nothing.
 */
class RuntimeFeatureInstancesTests {

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, String ttl) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class, MeteringEntitlementAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(Reports.class)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(),
					"metering.jdbc.initialize-schema=never", "metering.rollup.enabled=false",
					"metering.cache.definitions-ttl=" + ttl, "metering.tenants.acme.plan=pro",
					"metering.tenants.globex.plan=pro", "metering.plans.pro.features.sso=false",
					"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=10");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aFeatureTurnedOnAtRuntimeOnOneInstanceIsHonouredOnTheOther(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first, "300ms")
				.run((one) -> runner(schema, second, "300ms").run((two) -> changeAndSee(schema, one, two)));
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "POSTGRESQL")
	void onPostgresqlTheBusCarriesTheFeatureLongBeforeTheCacheExpires(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first, "1h").run((one) -> runner(schema, second, "1h").run((two) -> {
				awaitConnected(one);
				awaitConnected(two);
				changeAndSee(schema, one, two);
			}));
		}
	}

	private static void changeAndSee(TestSchema schema, ApplicationContext one, ApplicationContext two)
			throws InterruptedException {
		Reports reports = two.getBean(Reports.class);
		assertThatExceptionOfType(FeatureNotEntitledException.class).isThrownBy(() -> reports.sso("acme"));
		assertThat(reports.calls()).hasValue(0);
		MeteringAdmin admin = one.getBean(MeteringAdmin.class);

		assertThatExceptionOfType(InvalidDefinitionException.class)
			.isThrownBy(() -> admin.putFeature("ops", "plan", "pro", "SSO!", "true"));
		assertThatExceptionOfType(InvalidDefinitionException.class)
			.isThrownBy(() -> admin.putFeature("ops", "galaxy", "pro", "sso", "true"));
		assertThatExceptionOfType(InvalidDefinitionException.class)
			.isThrownBy(() -> admin.putFeature("ops", "plan", "pro", "sso", " "));
		assertThatExceptionOfType(DefinitionNotFoundException.class)
			.isThrownBy(() -> admin.putFeature("ops", "plan", "gold", "sso", "true"));
		assertThat(rows(schema)).isZero();

		admin.putFeature("ops", "plan", "pro", "sso", "true");
		await(() -> entitled(reports, "acme"));
		assertThat(reports.sso("globex")).isEqualTo("ok");

		// A tenant's own value wins over its plan's.
		admin.putFeature("ops", "tenant", "globex", "sso", "false");
		await(() -> !entitled(reports, "globex"));
		assertThat(entitled(reports, "acme")).isTrue();
		assertThat(two.getBean(EntitlementService.class).featuresOf("globex")).containsEntry("sso", "false");

		admin.deleteFeature("ops", "plan", "pro", "sso");
		await(() -> !entitled(reports, "acme"));
		assertThat(admin.audit("plan:pro/feature/", 10)).extracting((entry) -> entry.action())
			.containsExactly("delete-feature", "put-feature");
		assertThat(admin.audit("tenant:globex/feature/sso", 10)).singleElement()
			.satisfies((entry) -> assertThat(entry.newValue()).isEqualTo("false"));
	}

	private static boolean entitled(Reports reports, String tenant) {
		try {
			reports.sso(tenant);
			return true;
		}
		catch (FeatureNotEntitledException ex) {
			return false;
		}
	}

	private static long rows(TestSchema schema) {
		Long count = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "feature", Long.class);
		return (count != null) ? count : 0;
	}

	private static void awaitConnected(ApplicationContext context) throws InterruptedException {
		QuotaInvalidationBus bus = context.getBean(QuotaInvalidationBus.class);
		await(() -> bus.state().connected());
	}

	private static void await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("not within 20 s");
			}
			Thread.sleep(20);
		}
	}

	static class Reports {

		private final AtomicInteger calls = new AtomicInteger();

		public AtomicInteger calls() {
			return this.calls;
		}

		@Entitled(value = "sso", tenant = "#tenant")
		public String sso(String tenant) {
			this.calls.incrementAndGet();
			return "ok";
		}

	}

}
