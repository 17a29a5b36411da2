package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.TenantQuotas;
import dev.metering.tenant.BillingCalendar;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The balance a grant-backed meter's check uses, cached with the tenant's definitions: served
 * from the cache while nothing changed, and worked out again at once by the next check after
 * each kind of change (a grant created, topped up or voided, a grant's expiry, a runtime change
 * of the tenant's plan, quotas or calendar), with a definitions TTL of an hour so that the TTL is
 * never what brings the change. Across instances the bus carries the same evictions
 * ({@link GrantInstancesTests#aTopUpOnOneInstanceAdmitsOnTheOther}).
 */
class GrantBalanceDefinitionsTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final String METER = "http.requests";

	private static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource, MutableClock clock) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(java.time.Clock.class, () -> clock)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.cache.definitions-ttl=1h", "metering.plans.prepaid.grant-backed[" + METER + "]=hard",
					"metering.plans.prepaid.quotas[0].meter=" + METER, "metering.plans.prepaid.quotas[0].limit=1000",
					"metering.plans.prepaid.quotas[0].window=day", "metering.plans.basic.quotas[0].meter=" + METER,
					"metering.plans.basic.quotas[0].limit=50", "metering.plans.basic.quotas[0].window=day");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void eachChangeOfTheGrantsIsSeenByTheNextCheck(TestDatabase database) {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a, clock).run((one) -> {
				CachedQuotaDefinitions definitions = one.getBean(CachedQuotaDefinitions.class);
				GrantService grants = one.getBean(GrantService.class);
				// Without a grant, a hard grant-backed meter has nothing to spend.
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("0");
				// Unchanged: the same definitions, not worked out again.
				assertThat(definitions.quotasOf("acme")).isSameAs(definitions.quotasOf("acme"));

				Grant first = grants.create("ops", NewGrant.of("acme", METER, 10));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("10");
				TenantQuotas cached = definitions.quotasOf("acme");
				assertThat(definitions.quotasOf("acme")).isSameAs(cached);

				// A top-up.
				grants.create("ops", NewGrant.of("acme", METER, 5));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("15");

				// A void.
				grants.voidGrant("ops", first.id());
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("5");

				// An expiry: nothing is published when a grant ends, the next check sees it ended.
				grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(7), 1, null,
						NOW.plus(Duration.ofHours(1)), null));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("12");
				clock.advance(Duration.ofMinutes(59));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("12");
				clock.advance(Duration.ofMinutes(1));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("5");
				// And a grant that starts later is counted from its start.
				grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(3), 1,
						clock.instant().plus(Duration.ofMinutes(30)), null, null));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("5");
				clock.advance(Duration.ofMinutes(30));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("8");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aRuntimeChangeOfTheTenantIsSeenByTheNextCheck(TestDatabase database) {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a, clock).run((one) -> {
				CachedQuotaDefinitions definitions = one.getBean(CachedQuotaDefinitions.class);
				MeteringAdmin admin = one.getBean(MeteringAdmin.class);
				one.getBean(GrantService.class).create("ops", NewGrant.of("acme", METER, 10));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("10");
				assertThat(quotaLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("1000");

				// A plan without grant-backed meters: no balance any more, the plan's quota.
				admin.putTenant("ops", "acme", new TenantChange("basic", null));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isNull();
				assertThat(quotaLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("50");

				// Back on the grant-backed plan, then a quota of its own: both beside the balance.
				admin.putTenant("ops", "acme", new TenantChange("prepaid", null));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("10");
				admin.putTenantQuota("ops", "acme",
						new QuotaChange(METER, "day", BigDecimal.valueOf(200), "hard", null, null));
				assertThat(balanceLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("10");
				assertThat(quotaLimit(definitions.quotasOf("acme"))).isEqualByComparingTo("200");

				// A calendar: the tenant's other quotas count its days; the balance stays a UTC month.
				admin.putTenant("ops", "acme", new TenantChange(null, null, null, null, null, "Europe/Berlin", 15, null));
				TenantQuotas berlin = definitions.quotasOf("acme");
				assertThat(berlin.calendar()).isEqualTo(BillingCalendar.of(ZoneId.of("Europe/Berlin"), 15));
				assertThat(balanceLimit(berlin)).isEqualByComparingTo("10");
				assertThat(quotaLimit(berlin)).isEqualByComparingTo("200");
			});
		}
	}

	/** The limit of the grant-backed meter's balance policy, {@code null} when there is none. */
	private static @Nullable BigDecimal balanceLimit(TenantQuotas quotas) {
		return quotas.policies(METER).stream().filter(QuotaPolicy::grantBalance).map(QuotaPolicy::limit).findFirst()
			.orElse(null);
	}

	/** The limit of the meter's day quota. */
	private static @Nullable BigDecimal quotaLimit(TenantQuotas quotas) {
		return quotas.policies(METER).stream().filter((policy) -> !policy.grantBalance()).map(QuotaPolicy::limit)
			.findFirst().orElse(null);
	}

}
