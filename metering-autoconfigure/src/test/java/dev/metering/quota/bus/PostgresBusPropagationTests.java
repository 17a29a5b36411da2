package dev.metering.quota.bus;

import java.math.BigDecimal;
import java.time.Duration;

import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import org.springframework.context.ApplicationContext;

import static dev.metering.quota.QuotaDecision.Outcome.ALLOW;
import static dev.metering.quota.QuotaDecision.Outcome.DENY;
import static dev.metering.quota.bus.TwoInstances.admin;
import static dev.metering.quota.bus.TwoInstances.await;
import static dev.metering.quota.bus.TwoInstances.bus;
import static dev.metering.quota.bus.TwoInstances.check;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances on one PostgreSQL: a change through {@code MeteringAdmin} on instance 1 takes
 * effect on instance 2 in under a second over LISTEN/NOTIFY (definitions TTL 30 s), within the
 * TTL without the bus, and again after the listening connection is terminated.
 */
class PostgresBusPropagationTests {

	private static final Duration BUS_DEADLINE = Duration.ofSeconds(1);

	@Test
	void upgradeAndCutOffReachTheOtherInstanceOverListenNotify() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			TwoInstances.runner(schema).run((one) -> TwoInstances.runner(schema).run((two) -> {
				assertThat(bus(one)).isInstanceOf(PostgresInvalidationBus.class);
				awaitConnected(one);
				awaitConnected(two);
				admin(one).createPlan("sales", "pro", null);
				admin(one).putPlanQuota("sales", "pro",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.valueOf(1000), "hard", null));
				assertThat(check(one, "acme")).isEqualTo(DENY);
				assertThat(check(two, "acme")).isEqualTo(DENY);

				admin(one).putTenant("sales", "acme", new TenantChange("pro", null));
				assertThat(check(one, "acme")).isEqualTo(ALLOW);
				Duration upgrade = await(() -> check(two, "acme") == ALLOW, BUS_DEADLINE);
				assertThat(upgrade).isLessThan(BUS_DEADLINE);

				admin(one).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.ZERO, null, null));
				assertThat(check(one, "acme")).isEqualTo(DENY);
				Duration cut = await(() -> check(two, "acme") == DENY, BUS_DEADLINE);
				assertThat(cut).isLessThan(BUS_DEADLINE);
				assertThat(bus(two).state().received()).isGreaterThanOrEqualTo(2);
				System.out.println("postgres bus: upgrade seen on instance 2 after " + upgrade.toMillis()
						+ " ms, cut-off after " + cut.toMillis() + " ms");
			}));
		}
	}

	@Test
	void reconnectsAfterItsBackendIsTerminatedAndInvalidationsResume() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			TwoInstances.runner(schema).run((one) -> TwoInstances.runner(schema).run((two) -> {
				awaitConnected(one);
				awaitConnected(two);
				assertThat(check(two, "acme")).isEqualTo(DENY);
				PostgresInvalidationBus listening = (PostgresInvalidationBus) bus(two);
				int killed = listening.listenerBackendPid();
				schema.jdbc().queryForObject("SELECT pg_terminate_backend(?)", Boolean.class, killed);
				await(() -> listening.state().reconnects() == 1 && listening.state().connected(), Duration.ofSeconds(10));
				assertThat(listening.listenerBackendPid()).isNotEqualTo(killed);
				assertThat(listening.state().lastError()).isNotNull();

				admin(one).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.TEN, null, null));
				assertThat(await(() -> check(two, "acme") == ALLOW, BUS_DEADLINE)).isLessThan(BUS_DEADLINE);
			}));
		}
	}

	@Test
	void withoutTheBusChangesArriveWithinTheDefinitionsTtl() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			String[] noBus = { "metering.bus.type=none", "metering.cache.definitions-ttl=2s" };
			TwoInstances.runner(schema, noBus).run((one) -> TwoInstances.runner(schema, noBus).run((two) -> {
				assertThat(bus(two).state().transport()).isEqualTo("none");
				assertThat(check(two, "acme")).isEqualTo(DENY);
				admin(one).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.TEN, null, null));
				assertThat(check(one, "acme")).isEqualTo(ALLOW);
				// Instance 2 still serves its cached definitions: nothing told it.
				assertThat(check(two, "acme")).isEqualTo(DENY);
				// Twice the TTL (the cached rows, then the definitions built from them), plus the
				// background reloads that a busy machine may delay by a fraction of a second.
				Duration late = await(() -> check(two, "acme") == ALLOW, Duration.ofSeconds(10));
				assertThat(late).isLessThan(Duration.ofSeconds(5));
			}));
		}
	}

	private static void awaitConnected(ApplicationContext instance) throws InterruptedException {
		await(() -> bus(instance).state().connected(), Duration.ofSeconds(10));
	}

}
