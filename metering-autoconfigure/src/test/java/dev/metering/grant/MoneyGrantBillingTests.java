package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

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
import dev.metering.billing.BillingReportCsv;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.Invoice;
import dev.metering.billing.InvoiceCloser;
import dev.metering.billing.InvoiceStore;
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
import static org.assertj.core.api.Assertions.tuple;

/**
 * Money grants on the bill: after the grants of units, they pay the lines' amounts (a tiered
 * price and a per-unit one) in priority order, each only the meters it lists; an expired one and
 * one in another currency pay nothing; what a grant paid in one period is gone in the next; the
 * base fee stays due; balances answer in money; the invoice keeps the credits.
 */
class MoneyGrantBillingTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	private static final BillingPeriod DECEMBER = BillingPeriod.month(YearMonth.of(2026, 12));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void moneyGrantsPayTheChargesInPriorityOrderAfterTheUnitGrants(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource dataSource = database.newDataSource(4)) {
			runner(schema, dataSource, clock).run((context) -> {
				GrantService grants = context.getBean(GrantService.class);
				grants.create("ops", new NewGrant("acme", "api.calls", new BigDecimal("50"), null,
						Instant.parse("2026-11-01T00:00:00Z"), null, "50 calls free"));
				Grant expired = grants.create("ops", money("100.00", "EUR", 0, Instant.parse("2026-10-01T00:00:00Z"),
						Instant.parse("2026-11-10T00:00:00Z")));
				Grant callsOnly = grants.create("ops", money("12.00", "EUR", 1, null, null, "api.calls"));
				Grant anyMeter = grants.create("ops", money("20.00", "EUR", 5, null, null));
				Grant dollars = grants.create("ops", money("50.00", "USD", 0, null, null));

				record(context, "api.calls", 250, Instant.parse("2026-11-05T08:00:00Z"));
				record(context, "ai.tokens", 5000, Instant.parse("2026-11-20T08:00:00Z"));
				BillingReportService reports = context.getBean(BillingReportService.class);
				BillingReport november = reports.report("acme", NOVEMBER);

				// api.calls: 250 used, 50 covered by the unit grant, 200 billable: 100 x 0.10 + 100 x 0.05.
				assertThat(november.lines().get(0).creditsApplied()).isEqualByComparingTo("50");
				assertThat(november.lines().get(0).charge().amount()).isEqualByComparingTo("15.00");
				assertThat(november.lines().get(1).charge().amount()).isEqualByComparingTo("10.00");
				assertThat(november.subtotal()).isEqualByComparingTo("34.00");
				// Priority 1 pays only api.calls; priority 5 the rest; the expired and the dollars nothing.
				assertThat(november.moneyCredits())
					.extracting(BillingReport.MoneyCredit::grantId, BillingReport.MoneyCredit::meter,
							(credit) -> credit.amount().toPlainString())
					.containsExactly(tuple(callsOnly.id(), "api.calls", "12.00"), tuple(anyMeter.id(), "api.calls", "3.00"),
							tuple(anyMeter.id(), "ai.tokens", "10.00"));
				assertThat(november.moneyCreditsApplied(0)).isEqualByComparingTo("15.00");
				assertThat(november.moneyCreditsApplied()).isEqualByComparingTo("25.00");
				assertThat(november.amountDue()).as("the base fee stays due").isEqualByComparingTo("9.00");

				// The CSV: a row per line the unit grant covered, then after the subtotal a row per grant and
				// line paid and the amount due.
				String period = "acme,prepaid,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,";
				assertThat(BillingReportCsv.write(november).split("\r\n")).containsExactly(
						"billing_scope,plan,period_start,period_end,meter,filter,quantity,included,billable,model,"
								+ "unit_price,package_size,amount,currency",
						period + "api.calls,,250,0,200,graduated,,,15.00,EUR",
						period + "ai.tokens,,5000,0,5000,per_unit,0.002,,10.00,EUR",
						period + "api.calls,,50,,,unit_credit,,,,EUR", period + "base_fee,,,,,,,,9.00,EUR",
						period + "subtotal,,,,,,,,34.00,EUR",
						period + "api.calls,grant=" + callsOnly.id() + ",,,,money_credit,,,12.00,EUR",
						period + "api.calls,grant=" + anyMeter.id() + ",,,,money_credit,,,3.00,EUR",
						period + "ai.tokens,grant=" + anyMeter.id() + ",,,,money_credit,,,10.00,EUR",
						period + "amount_due,,,,,,,,9.00,EUR");

				MoneyGrants money = context.getBean(MoneyGrants.class);
				List<MoneyBalance> balances = money.balancesOf("acme");
				assertThat(balances).extracting(MoneyBalance::currency).containsExactly("EUR", "USD");
				MoneyBalance euros = balances.get(0);
				assertThat(euros.balance()).isEqualByComparingTo("7.00");
				assertThat(euros.grants()).extracting((g) -> g.grant().id(), (g) -> g.used().toPlainString(), GrantBalance::state)
					.containsExactlyInAnyOrder(tuple(expired.id(), "0", "expired"), tuple(callsOnly.id(), "12.00", "depleted"),
							tuple(anyMeter.id(), "13.00", "active"));
				assertThat(balances.get(1).balance()).isEqualByComparingTo("50.00");
				assertThat(grants.balancesOf("acme")).as("money is no balance of units")
					.extracting(MeterBalance::meter)
					.containsExactly("api.calls");

				// December: what the grants paid in November is gone; 7.00 is left for 10.00 of tokens.
				clock.set(Instant.parse("2026-12-15T12:00:00Z"));
				record(context, "ai.tokens", 5000, Instant.parse("2026-12-10T08:00:00Z"));
				BillingReport december = reports.report("acme", DECEMBER);
				assertThat(december.moneyCredits()).singleElement()
					.satisfies((credit) -> assertThat(credit.grantId()).isEqualTo(anyMeter.id()))
					.satisfies((credit) -> assertThat(credit.amount()).isEqualByComparingTo("7.00"));
				assertThat(december.amountDue()).isEqualByComparingTo("12.00");
				assertThat(reports.report("acme", NOVEMBER).moneyCredits()).as("November asked again")
					.isEqualTo(november.moneyCredits());
				assertThat(money.balancesOf("acme").get(0).balance()).isEqualByComparingTo("0");

				// November's invoice, finalized when it closes (35 days after its end), keeps its money credits.
				clock.set(Instant.parse("2027-01-05T00:00:01Z"));
				List<Invoice> invoices = context.getBean(InvoiceCloser.class).closeDue();
				assertThat(invoices).singleElement().satisfies((invoice) -> assertThat(invoice.period()).isEqualTo(NOVEMBER));
				assertThat(context.getBean(InvoiceStore.class)
					.document("acme", invoices.get(0).number(), Invoice.Format.JSON)
					.orElseThrow()).contains("\"money_credits_applied\":\"15.00\"}",
							"\"money_credits_applied\":\"25.00\",\"amount_due\":\"9.00\"}", callsOnly.id());
				InvoiceStore store = context.getBean(InvoiceStore.class);
				String csv = store.document("acme", invoices.get(0).number(), Invoice.Format.CSV).orElseThrow();
				assertThat(csv).isEqualTo(BillingReportCsv.write(reports.report("acme", NOVEMBER)))
					.contains(",amount_due,,,,,,,,9.00,EUR\r\n", ",grant=" + anyMeter.id() + ",,,,money_credit,,,10.00,EUR");
				// A grant backdated into November changes its report, never its stored invoice.
				grants.create("ops", money("5.00", "EUR", 0, Instant.parse("2026-11-01T00:00:00Z"), null));
				assertThat(BillingReportCsv.write(reports.report("acme", NOVEMBER))).isNotEqualTo(csv);
				assertThat(store.document("acme", invoices.get(0).number(), Invoice.Format.CSV)).contains(csv);
			});
		}
	}

	private static NewGrant money(String amount, String currency, int priority, Instant effective, Instant expires,
			String... meters) {
		return new NewGrant("acme", null, new BigDecimal(amount), priority, effective, expires, null, null, null,
				currency, List.of(meters));
	}

	private static void record(ConfigurableApplicationContext context, String meter, long quantity, Instant at) {
		context.getBean(UsageRecorder.class)
			.record(UsageEvent.builder("acme", meter).quantity(quantity).occurredAt(at).build());
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
	}

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, MutableClock clock) {
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
					"metering.plans.prepaid.quotas[0].meter=ai.tokens", "metering.plans.prepaid.quotas[0].limit=1000000",
					"metering.plans.prepaid.quotas[0].window=month", "metering.plans.prepaid.quotas[0].enforcement=monitor",
					plan + "currency=EUR", plan + "base-fee=9.00",
					plan + "prices[0].meter=api.calls", plan + "prices[0].model=graduated",
					plan + "prices[0].tiers[0].up-to=100", plan + "prices[0].tiers[0].unit-price=0.10",
					plan + "prices[0].tiers[1].unit-price=0.05",
					plan + "prices[1].meter=ai.tokens", plan + "prices[1].unit-price=0.002");
	}

}
