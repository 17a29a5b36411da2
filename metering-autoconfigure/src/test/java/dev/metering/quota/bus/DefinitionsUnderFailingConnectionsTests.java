package dev.metering.quota.bus;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.autoconfigure.metrics.MeteringMetricsAutoConfiguration;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.QuotaPolicy;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.TenantDirectory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static dev.metering.quota.QuotaDecision.Outcome.ALLOW;
import static dev.metering.quota.QuotaDecision.Outcome.DENY;
import static dev.metering.quota.bus.TwoInstances.admin;
import static dev.metering.quota.bus.TwoInstances.await;
import static dev.metering.quota.bus.TwoInstances.bus;
import static dev.metering.quota.bus.TwoInstances.check;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request path while the database refuses connections right after an invalidation: after the
 * bus reconnected (its connection was terminated with the others), after a tenant's or a plan's
 * change evicted definitions, and for a tenant never seen before. A check never fails: it is
 * decided on the definitions held, else on the configured ones, and the database's come back once
 * connections do.
 */
class DefinitionsUnderFailingConnectionsTests {

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.cache.definitions-ttl=1h", "metering.default-plan=free",
					"metering.plans.free.quotas[0].meter=" + TwoInstances.METER, "metering.plans.free.quotas[0].limit=0",
					"metering.plans.free.quotas[0].window=day", "metering.tenants.org.plan=free")
			.withPropertyValues(properties);
	}

	/** Plan {@code pro} (1000 a day) in the database; {@code acme} on it under {@code org}. */
	private static void define(ApplicationContext instance) {
		admin(instance).createPlan("sales", "pro", null);
		admin(instance).putPlanQuota("sales", "pro",
				new QuotaChange(TwoInstances.METER, "day", BigDecimal.valueOf(1000), "hard", null));
		admin(instance).putTenant("sales", "acme", new TenantChange("pro", null, "org", null, null));
	}

	@Test
	void afterTheBusReconnectsChecksServeWhatIsHeldWhileConnectionsFail() throws Exception {
		TestDatabase database = TestDatabase.POSTGRESQL;
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			FaultyDataSource faulty = new FaultyDataSource(second);
			runner(schema, first).run((one) -> runner(schema, faulty).run((two) -> {
				await(() -> bus(one).state().connected() && bus(two).state().connected(), Duration.ofSeconds(10));
				define(one);
				await(() -> check(two, "acme") == ALLOW, Duration.ofSeconds(2));
				TenantDirectory directory = two.getBean(TenantDirectory.class);
				assertThat(directory.lineageOf("acme").scopes()).containsExactly("acme", "org");

				PostgresInvalidationBus listening = (PostgresInvalidationBus) bus(two);
				schema.jdbc().queryForObject("SELECT pg_terminate_backend(?)", Boolean.class,
						listening.listenerBackendPid());
				await(() -> listening.state().reconnects() == 1 && listening.state().connected(), Duration.ofSeconds(10));
				faulty.mode(FaultyDataSource.Mode.FAIL);

				assertThat(check(two, "acme")).isEqualTo(ALLOW);
				assertThat(directory.lineageOf("acme").scopes()).containsExactly("acme", "org");
				// Never seen: its configured definitions (the default plan) decide; its usage is unknown
				// (no lease can be granted) and metering.quota.on-unknown-usage=allow admits it.
				assertThat(check(two, "newcomer")).isEqualTo(ALLOW);
				assertThat(limitOf(two, "newcomer")).isEqualByComparingTo("0");

				// A tenant's change evicts its definitions; the reload fails and what was held serves.
				long received = bus(two).state().received();
				admin(one).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.ZERO, null, null));
				await(() -> bus(two).state().received() > received, Duration.ofSeconds(2));
				assertThat(check(two, "acme")).isEqualTo(ALLOW);
				assertThat(loadFailures(two)).isPositive();

				faulty.mode(FaultyDataSource.Mode.NORMAL);
				await(() -> check(two, "acme") == DENY, Duration.ofSeconds(5));
				assertThat(directory.lineageOf("acme").scopes()).containsExactly("acme", "org");
			}));
		}
	}

	@Test
	void changesMissedWhileTheBusWasDisconnectedArriveAfterItReconnects() throws Exception {
		TestDatabase database = TestDatabase.POSTGRESQL;
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			// Long enough a pause that the change below is made while instance 2 is not listening.
			String[] slowReconnect = { "metering.bus.initial-backoff=2s" };
			runner(schema, first).run((one) -> runner(schema, second, slowReconnect).run((two) -> {
				await(() -> bus(one).state().connected() && bus(two).state().connected(), Duration.ofSeconds(10));
				define(one);
				await(() -> check(two, "acme") == ALLOW, Duration.ofSeconds(2));
				PostgresInvalidationBus listening = (PostgresInvalidationBus) bus(two);
				schema.jdbc().queryForObject("SELECT pg_terminate_backend(?)", Boolean.class,
						listening.listenerBackendPid());
				await(() -> !listening.state().connected(), Duration.ofSeconds(5));
				admin(one).putTenant("sales", "acme", new TenantChange("pro", null, "", null, null));
				admin(one).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.ZERO, null, null));

				await(() -> listening.state().connected(), Duration.ofSeconds(10));
				await(() -> check(two, "acme") == DENY, Duration.ofSeconds(5));
				await(() -> two.getBean(TenantDirectory.class).lineageOf("acme").scopes().equals(List.of("acme")),
						Duration.ofSeconds(5));
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void evictedAndColdDefinitionsNeverFailACheck(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			FaultyDataSource faulty = new FaultyDataSource(dataSource);
			runner(schema, faulty, "metering.bus.type=in-process")
				.withConfiguration(AutoConfigurations.of(MeteringMetricsAutoConfiguration.class))
				.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
				.run((instance) -> {
					MeterRegistry registry = instance.getBean(MeterRegistry.class);
					instance.getBean("meteringDefinitionCacheMetrics", MeterBinder.class).bindTo(registry);
					define(instance);
					assertThat(check(instance, "acme")).isEqualTo(ALLOW);
					TenantDirectory directory = instance.getBean(TenantDirectory.class);
					assertThat(directory.lineageOf("acme").scopes()).containsExactly("acme", "org");

					faulty.mode(FaultyDataSource.Mode.FAIL);
					bus(instance).publish(QuotaInvalidation.tenant("acme"));
					assertThat(check(instance, "acme")).isEqualTo(ALLOW);
					assertThat(directory.lineageOf("acme").scopes()).containsExactly("acme", "org");
					bus(instance).publish(QuotaInvalidation.plan("pro"));
					assertThat(check(instance, "acme")).isEqualTo(ALLOW);
					assertThat(limitOf(instance, "acme")).isEqualByComparingTo("1000");
					assertThat(check(instance, "newcomer")).isEqualTo(ALLOW);
					assertThat(limitOf(instance, "newcomer")).isEqualByComparingTo("0");
					assertThat(directory.lineageOf("newcomer").scopes()).containsExactly("newcomer");
					assertThat(faulty.refusedCalls()).isPositive();
					assertThat(loadFailures(instance)).isPositive();
					assertThat(registry.get("metering.definitions.load.failures").tag("cache", "quota").functionCounter()
						.count()).isPositive();

					faulty.mode(FaultyDataSource.Mode.NORMAL);
					admin(instance).putTenantQuota("support", "acme",
							new QuotaChange(TwoInstances.METER, "day", BigDecimal.ZERO, null, null));
					assertThat(check(instance, "acme")).isEqualTo(DENY);
				});
		}
	}

	/** The limit of the scope's quota on the meter, as the definitions cache serves it. */
	private static BigDecimal limitOf(ApplicationContext instance, String scope) {
		List<QuotaPolicy> policies = instance.getBean(CachedQuotaDefinitions.class)
			.quotasOf(scope)
			.policies(TwoInstances.METER);
		assertThat(policies).hasSize(1);
		return policies.get(0).limit();
	}

	private static long loadFailures(ApplicationContext instance) {
		return instance.getBean(CachedQuotaDefinitions.class).loadFailures()
				+ ((CachedTenantDirectory) instance.getBean(TenantDirectory.class)).loadFailures();
	}

}
