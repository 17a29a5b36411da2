package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.meter.MeterDefinitions;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.rollup.RollupUsageReader;
import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantCalendars;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Billing in the customer's calendar on every database: a Europe/Berlin tenant anchored on the
 * 29th is billed per period from local midnight of its anchor day (clamped in February), its day
 * buckets start at local midnight across both DST changes, and no event is billed in two periods
 * or in none; a plan change on the 10th bills each part at its own plan, the base fee and
 * included units prorated by time.
 */
class CalendarBillingTests {

	private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

	private static final BillingCalendar CALENDAR = BillingCalendar.of(BERLIN, 29);

	private static final Instant NOW = Instant.parse("2029-01-20T00:00:00Z");

	private static final PlanPricing BASIC = new PlanPricing("basic", Currency.getInstance("EUR"), new BigDecimal("30.00"),
			List.of(MeterPrice.perUnit("api.calls", new BigDecimal("300"), new BigDecimal("0.10"))));

	private static final PlanPricing PRO = new PlanPricing("pro", Currency.getInstance("EUR"), new BigDecimal("90.00"),
			List.of(MeterPrice.perUnit("api.calls", new BigDecimal("3000"), new BigDecimal("0.01"))));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void periodsAndDayBucketsFollowTheTenantsCalendarAndCountEveryEventOnce(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			MutableClock clock = new MutableClock(NOW);
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			Random random = new Random(29);
			List<UsageEvent> events = new ArrayList<>();
			Instant from = Instant.parse("2027-12-20T00:00:00Z");
			long span = Duration.between(from, Instant.parse("2028-12-10T00:00:00Z")).toSeconds();
			for (int i = 0; i < 600; i++) {
				Instant at = from.plusSeconds((long) (random.nextDouble() * span));
				events.add(UsageEvent.builder("acme", "api.calls").quantity(1 + random.nextInt(5)).occurredAt(at).build());
			}
			// Events one second either side of the period and day boundaries around both DST changes and February.
			for (Instant boundary : List.of(Instant.parse("2028-02-28T23:00:00Z"), Instant.parse("2028-03-28T22:00:00Z"),
					Instant.parse("2028-03-25T23:00:00Z"), Instant.parse("2028-03-26T22:00:00Z"),
					Instant.parse("2028-10-28T22:00:00Z"), Instant.parse("2028-10-29T23:00:00Z"))) {
				events.add(UsageEvent.builder("acme", "api.calls").quantity(100).occurredAt(boundary.minusSeconds(1)).build());
				events.add(UsageEvent.builder("acme", "api.calls").quantity(1000).occurredAt(boundary).build());
			}
			store.insert(events, NOW);
			new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), RollupSettings.defaults(), clock)
				.rollupNow();
			BillingReportService reports = reports(schema, clock, List.of());
			UsageSummaryService summaries = new UsageSummaryService(schema.dataSource(), schema::dialect,
					schema.tables(), (scope) -> CALENDAR);

			BillingPeriod february = reports.period("acme", YearMonth.of(2028, 2));
			assertThat(february.from()).as("the 29th of a leap February, Berlin midnight")
				.isEqualTo(Instant.parse("2028-02-28T23:00:00Z"));
			assertThat(february.to()).as("March 29th, summer time").isEqualTo(Instant.parse("2028-03-28T22:00:00Z"));
			assertThat(reports.periodOf("acme", Instant.parse("2028-03-28T21:59:59Z"))).isEqualTo(february);

			BigDecimal billed = BigDecimal.ZERO;
			BillingPeriod period = reports.periodOf("acme", Instant.parse("2027-12-20T00:00:00Z"));
			while (period.from().isBefore(Instant.parse("2028-12-10T00:00:00Z"))) {
				BillingPeriod current = period;
				BigDecimal expected = events.stream()
					.filter((event) -> !event.occurredAt().isBefore(current.from()) && event.occurredAt().isBefore(current.to()))
					.map(UsageEvent::quantity)
					.reduce(BigDecimal.ZERO, BigDecimal::add);
				BigDecimal usage = reports.report("acme", period).lines().get(0).charge().quantity();
				assertThat(usage).as("usage of %s", period).isEqualByComparingTo(expected);
				billed = billed.add(usage);
				period = reports.periodOf("acme", period.to());
				assertThat(period.from()).isEqualTo(current.to());
			}
			assertThat(billed).as("every event in exactly one period")
				.isEqualByComparingTo(events.stream().map(UsageEvent::quantity).reduce(BigDecimal.ZERO, BigDecimal::add));

			// Day buckets of the period with the spring change (March 26th) start at Berlin midnight and sum to it.
			BillingPeriod march = february;
			UsageSummary days = summaries.summary("acme", "api.calls", march, Granularity.DAY);
			assertThat(days.buckets()).allSatisfy((bucket) -> assertThat(
					bucket.start().atZone(BERLIN).toLocalTime().toSecondOfDay()).isZero());
			UsageSummary.Bucket springDay = days.buckets().stream()
				.filter((bucket) -> bucket.start().equals(Instant.parse("2028-03-25T23:00:00Z")))
				.findFirst()
				.orElseThrow();
			assertThat(springDay.end()).as("a 23-hour day").isEqualTo(Instant.parse("2028-03-26T22:00:00Z"));
			assertThat(days.total()).isEqualByComparingTo(reports.report("acme", march).lines().get(0).charge().quantity());
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aPlanChangeOnTheTenthBillsEachPartAtItsPlanProratedByTime(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			MutableClock clock = new MutableClock(NOW);
			// A UTC tenant on basic, moved to pro from November 10th, 00:00 UTC: 9 of 30 days at basic.
			Instant change = Instant.parse("2028-11-10T00:00:00Z");
			BillingPeriod november = BillingPeriod.month(YearMonth.of(2028, 11));
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			store.insert(List.of(
					UsageEvent.builder("acme", "api.calls").quantity(500).occurredAt(Instant.parse("2028-11-03T10:00:00Z")).build(),
					UsageEvent.builder("acme", "api.calls").quantity(40).occurredAt(change.minusSeconds(1)).build(),
					UsageEvent.builder("acme", "api.calls").quantity(4000).occurredAt(change).build(),
					UsageEvent.builder("acme", "api.calls").quantity(1000).occurredAt(Instant.parse("2028-11-29T10:00:00Z")).build()),
					NOW);
			new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), RollupSettings.defaults(), clock)
				.rollupNow();
			BillingReportService reports = reports(schema, clock,
					List.of(new PlanAssignment("basic", Instant.EPOCH), new PlanAssignment("pro", change)));

			BillingReport report = reports.report("acme", november);
			assertThat(report.parts()).extracting(BillingReport.Part::plan).containsExactly("basic", "pro");
			BillingReport.Part basic = report.parts().get(0);
			BillingReport.Part pro = report.parts().get(1);
			assertThat(basic.period()).isEqualTo(new BillingPeriod(november.from(), change));
			assertThat(pro.period()).isEqualTo(new BillingPeriod(change, november.to()));
			// Base fee: 30.00 x 9/30 = 9.00 and 90.00 x 21/30 = 63.00.
			assertThat(basic.baseFee()).isEqualByComparingTo("9.00");
			assertThat(pro.baseFee()).isEqualByComparingTo("63.00");
			assertThat(report.baseFee()).isEqualByComparingTo("72.00");
			BillingReport.Line before = report.lines().get(0);
			BillingReport.Line after = report.lines().get(1);
			assertThat(before.part()).isEqualTo(basic);
			assertThat(after.part()).isEqualTo(pro);
			// Included: 300 x 9/30 = 90 and 3000 x 21/30 = 2100; usage by the events' instants.
			assertThat(before.charge().quantity()).isEqualByComparingTo("540");
			assertThat(before.charge().included()).isEqualByComparingTo("90");
			assertThat(before.charge().amount()).isEqualByComparingTo("45.00");
			assertThat(after.charge().quantity()).isEqualByComparingTo("5000");
			assertThat(after.charge().included()).isEqualByComparingTo("2100");
			assertThat(after.charge().amount()).isEqualByComparingTo("29.00");
			assertThat(report.subtotal()).isEqualByComparingTo("146.00");
			assertThat(report.plan()).as("the plan in force at the period's end").isEqualTo("pro");
			String csv = BillingReportCsv.write(report);
			assertThat(csv).contains("acme,basic,2028-11-01T00:00:00Z,2028-11-10T00:00:00Z,api.calls,,540,90,450,")
				.contains("acme,pro,2028-11-10T00:00:00Z,2028-12-01T00:00:00Z,api.calls,,5000,2100,2900,")
				.contains("acme,basic,2028-11-01T00:00:00Z,2028-11-10T00:00:00Z,base_fee,,,,,,,,9.00,EUR")
				.contains("acme,pro,2028-11-01T00:00:00Z,2028-12-01T00:00:00Z,subtotal,,,,,,,,146.00,EUR");

			// The periods either side are billed whole at one plan.
			assertThat(reports.report("acme", BillingPeriod.month(YearMonth.of(2028, 10))).plan()).isEqualTo("basic");
			BillingReport december = reports.report("acme", BillingPeriod.month(YearMonth.of(2028, 12)));
			assertThat(december.plan()).isEqualTo("pro");
			assertThat(december.parts()).isEmpty();
			assertThat(december.baseFee()).isEqualByComparingTo("90.00");
		}
	}

	private static BillingReportService reports(TestSchema schema, MutableClock clock, List<PlanAssignment> history) {
		TenantPlans plans = new TenantPlans() {

			@Override
			public Optional<String> planOf(String tenant) {
				return Optional.of(history.isEmpty() ? "basic" : history.get(history.size() - 1).plan());
			}

			@Override
			public boolean isKnown(String tenant) {
				return true;
			}

			@Override
			public List<PlanAssignment> planHistory(String tenant) {
				return history;
			}

		};
		PlanPricingSource pricing = (plan) -> Optional.ofNullable(Map.of("basic", BASIC, "pro", PRO).get(plan));
		TenantCalendars calendars = history.isEmpty() ? (scope) -> CALENDAR : TenantCalendars.UTC;
		return new BillingReportService(plans, pricing,
				new RollupUsageReader(schema.dataSource(), schema::dialect, schema.tables()), schema.dataSource(),
				schema::dialect, schema.tables(), RoundingMode.HALF_UP, Duration.ofDays(35), clock,
				() -> MeterDefinitions.NONE, calendars);
	}

}
