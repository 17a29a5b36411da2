package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.InvalidDefinitionException;
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
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A recurring money grant with a rollover rule on two instances (two contexts on separate pools
 * to one database, both running the renewer): each month is renewed once with the currency and
 * meters, what the month's bill left of it carries into the next month once, capped, after the
 * month's end; the carried money pays the next bill; a month with nothing left carries nothing.
 * Bad rules name the field and write nothing.
 */
class MoneyGrantRolloverInstancesTests {

	private static final String METER = "api.calls";

	private static final Instant NOVEMBER = Instant.parse("2026-11-01T00:00:00Z");

	private static final Instant DECEMBER = Instant.parse("2026-12-01T00:00:00Z");

	private static final Instant JANUARY = Instant.parse("2027-01-01T00:00:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aRecurringMoneyGrantRenewsEachMonthOnceAndCarriesWhatTheBillLeftCapped(TestDatabase database)
			throws Exception {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock).run((one) -> instance(schema, b, clock).run((two) -> {
				GrantService grants = one.getBean(GrantService.class);
				assertField(grants, money("20.00", NOVEMBER, DECEMBER, GrantService.MONTH, "5.00"), "expires_at");
				assertField(grants, money("20.00", NOVEMBER, null, GrantService.MONTH, "5.001"), "rollover.max_amount");
				assertField(grants, money("20.00", NOVEMBER, null, null, "5.00"), "rollover.max_amount");
				assertField(grants, money("20.00", NOVEMBER, null, "week", null), "recurrence");
				assertThat(grants.grantsOf("acme")).isEmpty();

				Grant november = grants.create("ops", money("20.00", NOVEMBER, null, GrantService.MONTH, "5.00"));
				assertThat(november.expiresAt()).isEqualTo(DECEMBER);
				// 80 calls at 0.10: the November bill takes 8.00 of the grant's 20.00.
				record(one, 40, Instant.parse("2026-11-20T08:00:00Z"));
				record(two, 40, Instant.parse("2026-11-21T08:00:00Z"));
				BillingReportService reports = one.getBean(BillingReportService.class);
				assertThat(reports.report("acme", month(2026, 11)).moneyCreditsApplied()).isEqualByComparingTo("8.00");

				// An hour before the month's end, both renewers see it due: one next month is written.
				clock.set(Instant.parse("2026-11-30T23:30:00Z"));
				await(() -> grants.grantsOf("acme").size() == 2);
				Thread.sleep(300);
				assertThat(grants.grantsOf("acme")).hasSize(2);
				Grant december = find(grants, GrantRenewer.renewalId(november.id()));
				assertThat(december.isMoney()).isTrue();
				assertThat(december.currency()).isEqualTo("EUR");
				assertThat(december.meters()).containsExactly(METER);
				assertThat(december.amount()).isEqualByComparingTo("20");
				assertThat(december.effectiveAt()).isEqualTo(DECEMBER);
				assertThat(december.expiresAt()).isEqualTo(JANUARY);
				assertThat(december.rolloverMax()).isEqualByComparingTo("5");
				assertThat(audits(schema, "renew-grant")).isEqualTo(1);

				// Before the rollover delay is over nothing carries.
				clock.set(DECEMBER.plusSeconds(20));
				Thread.sleep(300);
				assertThat(find(grants, december.id()).carried()).isEqualByComparingTo("0");
				assertThat(audits(schema, "roll-over-grant")).isZero();

				// After it: November's bill left 12.00, at most 5.00 carry.
				clock.set(DECEMBER.plusSeconds(90));
				await(() -> find(grants, december.id()).carried().signum() > 0);
				Thread.sleep(300);
				assertThat(find(grants, december.id()).amount()).isEqualByComparingTo("25");
				assertThat(find(grants, december.id()).carried()).isEqualByComparingTo("5");
				assertThat(audits(schema, "roll-over-grant")).isEqualTo(1);

				// December: 300 calls, 30.00; the month's 25.00 pays, 5.00 is due; November's grant is spent no more.
				record(two, 300, DECEMBER.plusSeconds(60));
				BillingReport decemberBill = two.getBean(BillingReportService.class).report("acme", month(2026, 12));
				assertThat(decemberBill.moneyCredits()).singleElement()
					.satisfies((credit) -> assertThat(credit.grantId()).isEqualTo(december.id()))
					.satisfies((credit) -> assertThat(credit.amount()).isEqualByComparingTo("25.00"));
				assertThat(decemberBill.amountDue()).isEqualByComparingTo("5.00");
				MoneyBalance euros = two.getBean(MoneyGrants.class).balancesOf("acme").get(0);
				assertThat(euros.balance()).isEqualByComparingTo("0");
				assertThat(euros.grants()).extracting((g) -> g.grant().id(), (g) -> g.used().toPlainString(),
						GrantBalance::state)
					.containsExactly(tuple(november.id(), "8.00", "expired"), tuple(december.id(), "25.00", "depleted"));

				// January renews the 20.00 (not what was carried); December had nothing left to carry.
				clock.set(Instant.parse("2026-12-31T23:30:00Z"));
				await(() -> grants.grantsOf("acme").size() == 3);
				clock.set(JANUARY.plusSeconds(120));
				await(() -> rolledOver(schema, december.id()));
				Thread.sleep(300);
				Grant january = find(grants, GrantRenewer.renewalId(december.id()));
				assertThat(january.amount()).isEqualByComparingTo("20");
				assertThat(january.carried()).isEqualByComparingTo("0");
				assertThat(audits(schema, "renew-grant")).isEqualTo(2);
				assertThat(audits(schema, "roll-over-grant")).isEqualTo(1);
			}));
		}
	}

	private static void assertField(GrantService grants, NewGrant request, String field) {
		assertThatExceptionOfType(InvalidDefinitionException.class).isThrownBy(() -> grants.create("ops", request))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo(field));
	}

	private static NewGrant money(String amount, Instant effective, Instant expires, String recurrence,
			String rolloverMax) {
		return new NewGrant("acme", null, new BigDecimal(amount), 1, effective, expires, "plan allowance", recurrence,
				(rolloverMax != null) ? new BigDecimal(rolloverMax) : null, "EUR", List.of(METER));
	}

	private static BillingPeriod month(int year, int month) {
		return BillingPeriod.month(YearMonth.of(year, month));
	}

	private static void record(ConfigurableApplicationContext context, long quantity, Instant at) {
		context.getBean(UsageRecorder.class)
			.record(UsageEvent.builder("acme", METER).quantity(quantity).occurredAt(at).build());
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
	}

	private static Grant find(GrantService grants, String id) {
		return grants.grantsOf("acme").stream().filter((g) -> g.id().equals(id)).findFirst().orElseThrow();
	}

	private static long audits(TestSchema schema, String action) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_audit" + " WHERE action = ?", Long.class,
					action);
		return (count != null) ? count : 0;
	}

	private static boolean rolledOver(TestSchema schema, String id) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "grant"
					+ " WHERE grant_id = ? AND rolled_over_at IS NOT NULL", Long.class, id);
		return count != null && count == 1;
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

	private static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource, MutableClock clock) {
		String plan = "metering.billing.plans.prepaid.";
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringBillingAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(java.time.Clock.class, () -> clock)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.grants.check-interval=50ms", "metering.grants.renew-ahead=1h",
					"metering.grants.rollover-delay=1m", "metering.plans.prepaid.quotas[0].meter=" + METER,
					"metering.plans.prepaid.quotas[0].limit=1000000", "metering.plans.prepaid.quotas[0].window=month",
					"metering.plans.prepaid.quotas[0].enforcement=monitor", plan + "currency=EUR", plan + "prices[0].meter=" + METER,
					plan + "prices[0].unit-price=0.10");
	}

}
