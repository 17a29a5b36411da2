package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
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
 * A soft grant-backed meter: usage beyond the grants is allowed as overage, and the bill prices
 * only what the grants did not cover (usage before a grant starts is overage too).
 */
class GrantBillingTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final String METER = "api.calls";

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theBillShowsTheCreditsAppliedAndPricesTheRest(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			runner(schema, dataSource, clock).run((context) -> {
				GrantService grants = context.getBean(GrantService.class);
				Grant grant = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(100), null,
						NOW.minus(Duration.ofHours(1)), null, "prepaid pack"));
				// Before the grant started: overage.
				for (int i = 0; i < 20; i++) {
					assertThat(use(context, NOW.minus(Duration.ofHours(2)))).isTrue();
				}
				// Soft: nothing is refused beyond the grant.
				for (int i = 0; i < 150; i++) {
					assertThat(use(context, NOW)).isTrue();
				}
				LeaseInstances.flush(context);

				BillingReport report = context.getBean(BillingReportService.class)
					.report("acme", BillingPeriod.month(YearMonth.of(2026, 11)));
				BillingReport.Line line = report.lines().get(0);
				assertThat(line.charge().quantity()).isEqualByComparingTo("170");
				assertThat(line.creditsApplied()).isEqualByComparingTo("100");
				assertThat(line.charge().billable()).isEqualByComparingTo("70");
				assertThat(line.charge().amount()).isEqualByComparingTo("0.70");

				MeterBalance balance = grants.balancesOf("acme").get(0);
				assertThat(balance.enforcement()).hasToString("SOFT");
				assertThat(balance.balance()).isEqualByComparingTo("0");
				assertThat(balance.overage()).isEqualByComparingTo("50");
				assertThat(balance.grants()).singleElement()
					.satisfies((g) -> assertThat(g.grant().id()).isEqualTo(grant.id()));
				// October had no grant: nothing credited.
				assertThat(grants.creditsApplied("acme", METER, Instant.parse("2026-10-01T00:00:00Z"),
						Instant.parse("2026-11-01T00:00:00Z"))).isEqualByComparingTo("0");
			});
		}
	}

	private static boolean use(ConfigurableApplicationContext context, Instant at) {
		QuotaDecision decision = context.getBean(QuotaEnforcementService.class).check("acme", METER, 1);
		if (decision.allowed()) {
			decision.reservation()
				.record(context.getBean(UsageRecorder.class), UsageEvent.builder("acme", METER).occurredAt(at).build());
		}
		return decision.allowed();
	}

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, MutableClock clock) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringBillingAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(java.time.Clock.class, () -> clock)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.plans.prepaid.grant-backed[" + METER + "]=soft",
					"metering.billing.plans.prepaid.currency=EUR",
					"metering.billing.plans.prepaid.prices[0].meter=" + METER,
					"metering.billing.plans.prepaid.prices[0].unit-price=0.01");
	}

}
