package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.TenantChange;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.tenant.TenantDirectory;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.METER;
import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant moved to another organisation counts at once in the new organisation's hard quota,
 * on every instance: two application contexts on their own pools to one database, each leasing
 * budgets of the organisations' hard daily limit.
 */
class ReparentedLeaseInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource, MutableClock clock) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(java.time.Clock.class, () -> clock)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.cache.definitions-ttl=200ms",
					"metering.quota.lease.request-timeout=60s", "metering.tenants.org-a.plan=business",
					"metering.tenants.org-b.plan=business", "metering.tenants.child.parent=org-a",
					"metering.plans.business.quotas[0].meter=" + METER,
					"metering.plans.business.quotas[0].limit=100", "metering.plans.business.quotas[0].window=day",
					"metering.plans.business.quotas[0].enforcement=hard");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theNewOrganisationsHardQuotaCountsTheMovedTenantOnEveryInstance(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock).run((one) -> instance(schema, b, clock).run((two) -> {
				// The child uses 80 of org-a's 100 on both instances, org-b 50 of its own 100.
				assertThat(send(80, "child", one, two)).isEqualTo(80);
				assertThat(send(50, "org-b", one, one)).isEqualTo(50);
				flush(one);
				flush(two);

				one.getBean(MeteringAdmin.class).putTenant("ops", "child", new TenantChange(null, null, "org-b", null, null));
				await(() -> two.getBean(TenantDirectory.class).lineageOf("child").scopes().equals(List.of("child", "org-b")));
				assertThat(one.getBean(TenantDirectory.class).lineageOf("child").scopes()).containsExactly("child", "org-b");

				// org-b's subtree holds 130 of its 100: nothing more of it, on either instance.
				assertThat(send(30, "child", one, two)).isZero();
				assertThat(send(10, "org-b", one, two)).isZero();
				// org-a's subtree is empty now. What the other instance, which the bus does not reach
				// here, last reported of its lease stays counted until it renews: never over, maybe under.
				assertThat(send(100, "org-a", one, two)).isBetween(1, 100);
				flush(one);
				flush(two);
				assertThat(rows(schema, "child")).isEqualTo(80);
				assertThat(rows(schema, "org-b")).isEqualTo(50);
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "POSTGRESQL")
	void budgetsTheOtherInstanceHeldAreGivenBackWhenTheBusTellsIt(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock).withPropertyValues("metering.cache.definitions-ttl=1h").run((one) -> instance(
					schema, b, clock).withPropertyValues("metering.cache.definitions-ttl=1h").run((two) -> {
						await(() -> one.getBean(QuotaInvalidationBus.class).state().connected());
						await(() -> two.getBean(QuotaInvalidationBus.class).state().connected());
						assertThat(send(80, "child", one, two)).isEqualTo(80);
						// Both instances hold a budget of org-b.
						assertThat(send(50, "org-b", one, two)).isEqualTo(50);
						flush(one);
						flush(two);

						one.getBean(MeteringAdmin.class).putTenant("ops", "child",
								new TenantChange(null, null, "org-b", null, null));
						await(() -> two.getBean(TenantDirectory.class).lineageOf("child").scopes()
							.equals(List.of("child", "org-b")));

						assertThat(send(30, "child", one, two)).isZero();
						assertThat(send(10, "org-b", two, two)).isZero();
						// Both instances give back what they held of org-a: all of its 100 are free again.
						// The other instance does so when the bus tells it, which may be a moment after
						// it sees the new lineage; never is more than the limit admitted meanwhile.
						int allowed = 0;
						long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
						while (allowed < 100 && System.nanoTime() < deadline) {
							allowed += send(2, "org-a", one, two);
							if (allowed < 100) {
								Thread.sleep(5);
							}
						}
						assertThat(allowed).isEqualTo(100);
						assertThat(send(20, "org-a", one, two)).isZero();
					}));
		}
	}

	/** Requests of a tenant checked on its lineage and recorded as the filter does, alternating instances. */
	private static int send(int requests, String tenant, ConfigurableApplicationContext even,
			ConfigurableApplicationContext odd) {
		int allowed = 0;
		for (int i = 0; i < requests; i++) {
			ConfigurableApplicationContext context = (i % 2 == 0) ? even : odd;
			QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
			List<String> lineage = context.getBean(TenantDirectory.class).lineageOf(tenant).scopes();
			Instant at = quotas.getClock().instant();
			QuotaDecision decision = quotas.check(lineage, METER, BigDecimal.ONE, at);
			if (decision.allowed()) {
				UsageRecorder recorder = context.getBean(UsageRecorder.class);
				UsageEvent event = UsageEvent.builder(tenant, METER).occurredAt(at).build();
				decision.reservation().record(recorder, event);
				allowed++;
			}
		}
		return allowed;
	}

	private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("not seen within 15 s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}
