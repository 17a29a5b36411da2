package dev.metering.tenant;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.JdbcTenantHierarchyEditor;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.TenantChange;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two application contexts (instances), each with a DataSource of its own, on one schema: what
 * one changes through the {@link TenantHierarchyEditor} or {@link MeteringAdmin} is in the tenant
 * table and reaches the other's directory, through the bus (PostgreSQL) or by cache expiry.
 */
class TenantHierarchyInstancesTests {

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, String ttl) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class, MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(),
					"metering.jdbc.initialize-schema=never", "metering.rollup.enabled=false",
					"metering.cache.definitions-ttl=" + ttl, "metering.tenants.org-1.plan=business",
					"metering.tenants.org-2.plan=business", "metering.tenants.project-a.parent=org-1",
					"metering.plans.business.quotas[0].meter=api.calls", "metering.plans.business.quotas[0].limit=10",
					"metering.plans.business.quotas[0].window=day");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void changesOfOneInstanceAreInTheTableAndReachTheOther(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first, "200ms")
				.run((one) -> runner(schema, second, "200ms").run((two) -> changeAndSee(schema, one, two)));
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "POSTGRESQL")
	void onPostgresqlTheBusCarriesTheChangeLongBeforeTheCacheExpires(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first, "1h").run((one) -> runner(schema, second, "1h").run((two) -> {
				assertThat(one.getBean(QuotaInvalidationBus.class).state().transport()).isEqualTo("postgres");
				awaitConnected(one);
				awaitConnected(two);
				changeAndSee(schema, one, two);
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void throughARedisBusTheChangeReachesTheOtherSnapshotOnEveryDatabase(TestDatabase database) {
		String redisUrl = System.getenv("METERING_TEST_REDIS_URL");
		Assumptions.assumeTrue(redisUrl != null, "Redis not configured: set METERING_TEST_REDIS_URL");
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first, "1h").withBean(LettuceConnectionFactory.class, () -> redis(redisUrl))
				.run((one) -> runner(schema, second, "1h").withBean(LettuceConnectionFactory.class, () -> redis(redisUrl))
					.run((two) -> {
						assertThat(one.getBean(QuotaInvalidationBus.class).state().transport()).isEqualTo("redis");
						awaitConnected(one);
						awaitConnected(two);
						// The snapshots serve an hour: only the bus can tell instance 2 of the changes.
						changeAndSee(schema, one, two);
					}));
		}
	}

	private static LettuceConnectionFactory redis(String url) {
		URI uri = URI.create(url);
		return new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(uri.getHost(), (uri.getPort() > 0) ? uri.getPort() : 6379));
	}

	private static void changeAndSee(TestSchema schema, ApplicationContext one, ApplicationContext two)
			throws InterruptedException {
		TenantDirectory other = two.getBean(TenantDirectory.class);
		assertThat(other.lineageOf("project-c").scopes()).containsExactly("project-c");
		assertThat(other.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
		TenantHierarchyEditor editor = one.getBean(TenantHierarchyEditor.class);
		assertThat(editor).isInstanceOf(JdbcTenantHierarchyEditor.class);

		editor.define(TenantDefinition.of("project-c", "org-1").billedTo("org-1"));
		assertThat(parentInTable(schema, "project-c")).isEqualTo("org-1");
		await(() -> other.lineageOf("project-c").scopes().equals(List.of("project-c", "org-1")));
		assertThat(other.billingScopeOf("project-c")).isEqualTo("org-1");

		editor.define(TenantDefinition.of("project-c", "org-2"));
		await(() -> other.lineageOf("project-c").scopes().equals(List.of("project-c", "org-2")));
		assertThat(other.billingScopeOf("project-c")).isEqualTo("project-c");

		editor.reparent("project-a", "org-2");
		await(() -> other.lineageOf("project-a").scopes().equals(List.of("project-a", "org-2")));
		assertThat(other.subtreeOf("org-2")).containsExactlyInAnyOrder("org-2", "project-a", "project-c");

		assertThat(editor.remove("project-c")).isTrue();
		assertThat(parentInTable(schema, "project-c")).isNull();
		await(() -> other.lineageOf("project-c").scopes().equals(List.of("project-c")));

		one.getBean(MeteringAdmin.class).putTenant("ops", "project-a", new TenantChange(null, null, "", null, true));
		await(() -> other.lineageOf("project-a").scopes().equals(List.of("project-a")));
	}

	private static String parentInTable(TestSchema schema, String tenant) {
		return schema.jdbc()
			.queryForList("SELECT parent_id FROM " + schema.prefix() + "tenant WHERE tenant_id = ?", String.class, tenant)
			.stream()
			.findFirst()
			.orElse(null);
	}

	private static void awaitConnected(ApplicationContext instance) throws InterruptedException {
		await(() -> instance.getBean(QuotaInvalidationBus.class).state().connected());
	}

	private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("not seen within 15 s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}
