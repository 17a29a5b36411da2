package dev.metering.tenant;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.StatementCountingDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tenant directory over the tenant table holds every definition as one snapshot: a tenant
 * with no definition is answered without a statement, a look-up never waits for the table once a
 * snapshot is held (not after the TTL, not while the table hangs), and a read that fails keeps
 * the snapshot serving.
 */
class TenantDirectorySnapshotTests {

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, String ttl) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(),
					"metering.jdbc.initialize-schema=never", "metering.rollup.enabled=false",
					"metering.bus.type=in-process", "metering.cache.definitions-ttl=" + ttl,
					"metering.tenants.org-1.plan=business", "metering.tenants.org-2.plan=business",
					"metering.tenants.project-a.parent=org-1", "metering.plans.business.quotas[0].meter=api.calls",
					"metering.plans.business.quotas[0].limit=10", "metering.plans.business.quotas[0].window=day");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void tenantsWithoutADefinitionAreAnsweredWithoutAStatement(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			StatementCountingDataSource counting = new StatementCountingDataSource(dataSource);
			runner(schema, counting, "1h").run((instance) -> {
				CachedTenantDirectory directory = (CachedTenantDirectory) instance.getBean(TenantDirectory.class);
				TenantCalendars calendars = instance.getBean(TenantCalendars.class);
				instance.getBean(TenantHierarchyEditor.class).define(TenantDefinition.of("project-b", "org-2"));
				assertThat(directory.lineageOf("project-b").scopes()).containsExactly("project-b", "org-2");
				long reads = directory.snapshotReads();
				counting.reset();

				for (int i = 0; i < 10_000; i++) {
					String tenant = "cold-" + i;
					assertThat(directory.lineageOf(tenant).scopes()).containsExactly(tenant);
					assertThat(directory.inHierarchy(tenant)).isFalse();
					assertThat(calendars.calendarOf(tenant)).isEqualTo(BillingCalendar.UTC);
				}
				assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
				assertThat(directory.subtreeOf("org-2")).containsExactly("org-2", "project-b");
				assertThat(counting.statements()).as(StatementCountingDataSource.shortened(counting.statements()))
					.isEmpty();
				assertThat(directory.snapshotReads()).isEqualTo(reads);
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void afterTheTtlLookUpsServeTheSnapshotHeldWhileTheTableIsReadAgain(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			FaultyDataSource faulty = new FaultyDataSource(dataSource);
			runner(schema, faulty, "200ms").run((instance) -> {
				CachedTenantDirectory directory = (CachedTenantDirectory) instance.getBean(TenantDirectory.class);
				instance.getBean(TenantHierarchyEditor.class).define(TenantDefinition.of("project-b", "org-2"));
				assertThat(directory.lineageOf("project-b").scopes()).containsExactly("project-b", "org-2");
				Thread.sleep(300);

				// The table hangs: the read the TTL starts waits in the background, look-ups do not.
				faulty.mode(FaultyDataSource.Mode.BLOCK);
				ExecutorService requests = Executors.newFixedThreadPool(4);
				try {
					List<Future<?>> done = new ArrayList<>();
					for (int t = 0; t < 4; t++) {
						int thread = t;
						done.add(requests.submit(() -> {
							for (int i = 0; i < 2_000; i++) {
								String tenant = "cold-" + thread + "-" + i;
								assertThat(directory.lineageOf(tenant).scopes()).containsExactly(tenant);
								assertThat(directory.lineageOf("project-b").scopes())
									.containsExactly("project-b", "org-2");
							}
						}));
					}
					for (Future<?> future : done) {
						future.get(10, TimeUnit.SECONDS);
					}
					await(() -> faulty.blockedCalls() > 0);
				}
				finally {
					faulty.mode(FaultyDataSource.Mode.NORMAL);
					requests.shutdownNow();
				}

				// A row changed behind the kit's back (another instance, no bus) is read after the TTL.
				move(schema, "project-b", "org-1");
				await(() -> directory.lineageOf("project-b").scopes().equals(List.of("project-b", "org-1")));

				// Reads that fail: the snapshot held serves, the failures are counted.
				faulty.mode(FaultyDataSource.Mode.FAIL);
				long failures = directory.loadFailures();
				await(() -> {
					assertThat(directory.lineageOf("project-b").scopes()).containsExactly("project-b", "org-1");
					return directory.loadFailures() > failures;
				});
				assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
				assertThat(directory.lineageOf("newcomer").scopes()).containsExactly("newcomer");

				// The table back: read again within about a second.
				faulty.mode(FaultyDataSource.Mode.NORMAL);
				move(schema, "project-b", "org-2");
				await(() -> directory.lineageOf("project-b").scopes().equals(List.of("project-b", "org-2")));
			});
		}
	}

	private static void move(TestSchema schema, String tenant, String parent) {
		assertThat(schema.jdbc()
			.update("UPDATE " + schema.prefix() + "tenant SET parent_id = ?, updated_at = ? WHERE tenant_id = ?", parent,
					schema.dialect().timestamp(Instant.now()), tenant))
			.isEqualTo(1);
	}

	private static void await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("not seen within 15 s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}
