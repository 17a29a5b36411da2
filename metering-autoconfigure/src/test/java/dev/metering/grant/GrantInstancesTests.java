package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A grant-backed meter across instances: several application contexts, each on its own pool to
 * one database, admit from one tenant's grants through the lease engine. Never more than the
 * grants, expired grants never spent, grants burned in priority order, a top-up seen by the
 * other instances through the bus (or the definitions' TTL without one).
 */
class GrantInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final String METER = "http.requests";

	static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource, MutableClock clock,
			String ttl) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(java.time.Clock.class, () -> clock)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.quota.lease.request-timeout=60s", "metering.cache.definitions-ttl=" + ttl,
					"metering.plans.prepaid.grant-backed[" + METER + "]=hard");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void threeInstancesAdmitExactlyTheGrantedUnits(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); HikariDataSource c = database.newDataSource(4)) {
			instance(schema, a, clock, "30s").run((one) -> instance(schema, b, clock, "30s").run(
					(two) -> instance(schema, c, clock, "30s").run((three) -> {
						one.getBean(GrantService.class).create("ops", NewGrant.of("acme", METER, 1000));
						ConfigurableApplicationContext[] instances = { one, two, three };
						int allowed = send(3000, 64, "acme", (i) -> instances[i % 3]);
						for (ConfigurableApplicationContext instance : instances) {
							LeaseInstances.flush(instance);
						}
						assertThat(allowed).isEqualTo(1000);
						assertThat(rows(schema, "acme")).isEqualTo(1000);
						MeterBalance balance = balance(two, "acme");
						assertThat(balance.balance()).isEqualByComparingTo("0");
						assertThat(balance.grants()).singleElement().satisfies((grant) -> {
							assertThat(grant.used()).isEqualByComparingTo("1000");
							assertThat(grant.state()).isEqualTo("depleted");
						});
					})));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anExpiredGrantIsNotSpent(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock, "30s").run((one) -> instance(schema, b, clock, "30s").run((two) -> {
				GrantService grants = one.getBean(GrantService.class);
				Grant expired = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(500), 1,
						NOW.minus(Duration.ofDays(2)), NOW.minus(Duration.ofDays(1)), "last month's promotion"));
				Grant live = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(100), 20,
						NOW.minus(Duration.ofDays(2)), null, "purchase 42"));
				ConfigurableApplicationContext[] instances = { one, two };
				int allowed = send(300, 16, "acme", (i) -> instances[i % 2]);
				LeaseInstances.flush(one);
				LeaseInstances.flush(two);
				assertThat(allowed).isEqualTo(100);
				Map<String, GrantBalance> byId = byId(balance(one, "acme"));
				assertThat(byId.get(expired.id()).used()).isEqualByComparingTo("0");
				assertThat(byId.get(expired.id()).state()).isEqualTo("expired");
				assertThat(byId.get(live.id()).used()).isEqualByComparingTo("100");
				assertThat(balance(one, "acme").balance()).isEqualByComparingTo("0");
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void grantsAreBurnedInPriorityThenExpiryOrder(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a, clock, "30s").run((one) -> {
				GrantService grants = one.getBean(GrantService.class);
				Grant later = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(50), 2, null, null, null));
				Grant first = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(30), 1, null, null, null));
				Grant laterExpiring = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(20), 2, null,
						NOW.plus(Duration.ofDays(60)), null));
				Grant soonerExpiring = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(20), 2, null,
						NOW.plus(Duration.ofDays(30)), null));
				assertThat(send(40, 8, "acme", (i) -> one)).isEqualTo(40);
				LeaseInstances.flush(one);
				Map<String, GrantBalance> byId = byId(balance(one, "acme"));
				assertThat(byId.get(first.id()).used()).isEqualByComparingTo("30");
				assertThat(byId.get(first.id()).state()).isEqualTo("depleted");
				assertThat(byId.get(soonerExpiring.id()).used()).isEqualByComparingTo("10");
				assertThat(byId.get(laterExpiring.id()).used()).isEqualByComparingTo("0");
				assertThat(byId.get(later.id()).used()).isEqualByComparingTo("0");
				assertThat(balance(one, "acme").balance()).isEqualByComparingTo("80");
				// Into the next grant only once the earlier one is used up: 10 + 20 more, then the last.
				assertThat(send(35, 8, "acme", (i) -> one)).isEqualTo(35);
				LeaseInstances.flush(one);
				byId = byId(balance(one, "acme"));
				assertThat(byId.get(soonerExpiring.id()).used()).isEqualByComparingTo("20");
				assertThat(byId.get(laterExpiring.id()).used()).isEqualByComparingTo("20");
				assertThat(byId.get(later.id()).used()).isEqualByComparingTo("5");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aTopUpOnOneInstanceAdmitsOnTheOther(TestDatabase database) throws Exception {
		topUp(database, "300ms");
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "POSTGRESQL")
	void onPostgresqlTheBusCarriesTheTopUpLongBeforeTheCacheExpires(TestDatabase database) throws Exception {
		topUp(database, "1h");
	}

	private static void topUp(TestDatabase database, String ttl) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock, ttl).run((one) -> instance(schema, b, clock, ttl).run((two) -> {
				await(() -> one.getBean(QuotaInvalidationBus.class).state().connected());
				await(() -> two.getBean(QuotaInvalidationBus.class).state().connected());
				GrantService grants = one.getBean(GrantService.class);
				grants.create("ops", NewGrant.of("acme", METER, 10));
				assertThat(send(15, 4, "acme", (i) -> two)).isEqualTo(10);
				grants.create("ops", NewGrant.of("acme", METER, 5));
				long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
				while (!request(two, "acme")) {
					assertThat(System.nanoTime()).as("the top-up reached the other instance in time").isLessThan(deadline);
					Thread.sleep(20);
				}
				assertThat(send(10, 4, "acme", (i) -> two)).isEqualTo(4);
				LeaseInstances.flush(two);
				assertThat(rows(schema, "acme")).isEqualTo(15);
				assertThat(balance(one, "acme").grants()).extracting(GrantBalance::state)
					.containsOnly("depleted");
			}));
		}
	}

	static int send(int requests, int clients, String tenant,
			java.util.function.IntFunction<ConfigurableApplicationContext> target) throws Exception {
		return LeaseInstances.sendEach(requests, clients, target, (i) -> tenant, GrantInstancesTests::request);
	}

	/** Checks one request of a tenant and, when allowed, records it as the filter does. */
	static boolean request(ConfigurableApplicationContext context, String tenant) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		QuotaDecision decision = quotas.check(tenant, METER, 1);
		if (!decision.allowed()) {
			return false;
		}
		UsageEvent event = UsageEvent.builder(tenant, METER).occurredAt(quotas.getClock().instant()).build();
		decision.reservation().record(context.getBean(UsageRecorder.class), event);
		return true;
	}

	private static MeterBalance balance(ConfigurableApplicationContext context, String tenant) {
		List<MeterBalance> balances = context.getBean(GrantService.class).balancesOf(tenant);
		assertThat(balances).extracting(MeterBalance::meter).containsExactly(METER);
		return balances.get(0);
	}

	private static Map<String, GrantBalance> byId(MeterBalance balance) {
		Map<String, GrantBalance> byId = new java.util.HashMap<>();
		balance.grants().forEach((grant) -> byId.put(grant.grant().id(), grant));
		return byId;
	}

	static long rows(TestSchema schema, String tenant) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent() + " WHERE tenant_id = ?", Long.class,
					tenant);
		return (count != null) ? count : 0;
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

}
