package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.rollup.RollupUsageReader;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reports, summaries and top users equal what the ledger holds, on every database, after a
 * randomized load with late arrivals (events of hours the rollup has already folded) and with
 * part of the ledger not folded yet: each report line is Σ rollups × price, Σ rollups = Σ ledger.
 */
public class BillingFromLedgerTests {

	private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	private static final List<String> TENANTS = List.of("acme", "globex", "initech");

	private static final List<String> METERS = List.of("api.calls", "storage.gb");

	private static final Instant LOAD_START = Instant.parse("2026-10-25T00:00:00Z");

	private static final PlanPricing PRO = new PlanPricing("pro", Currency.getInstance("EUR"), new BigDecimal("49.00"),
			List.of(new MeterPrice("api.calls", new BigDecimal("1000"), PricingModel.GRADUATED, null, null,
					List.of(PriceTier.of("5000", "0.01"), PriceTier.of(null, "0.004"))),
					MeterPrice.perUnit("storage.gb", new BigDecimal("10"), new BigDecimal("0.25"))));

	private static final PlanPricing ENTERPRISE = new PlanPricing("enterprise", Currency.getInstance("JPY"),
			new BigDecimal("10000"),
			List.of(new MeterPrice("api.calls", BigDecimal.ZERO, PricingModel.VOLUME, null, null,
					List.of(PriceTier.of("2000", "3"), PriceTier.of(null, "2"))),
					new MeterPrice("storage.gb", BigDecimal.ZERO, PricingModel.PACKAGE, new BigDecimal("100"),
							new BigDecimal("1.5"), List.of())));

	private static final Map<String, String> PLANS = Map.of("acme", "pro", "globex", "pro", "initech", "pro",
			"holding", "enterprise");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void reportsSummariesAndTopUsersEqualTheLedger(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			Random random = new Random(20261201L + database.ordinal());
			MutableClock clock = new MutableClock(NOW);
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			RollupJob rollup = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(),
					RollupSettings.defaults(), clock);
			BillingReportService reports = reportService(schema, clock);
			UsageSummaryService summaries = new UsageSummaryService(schema.dataSource(), schema::dialect,
					schema.tables());
			List<UsageEvent> events = new ArrayList<>();
			for (int round = 0; round < 4; round++) {
				// Later rounds are late arrivals: they land in hours earlier rounds already folded.
				List<UsageEvent> batch = events(random, 150);
				store.insert(batch, NOW);
				events.addAll(batch);
				rollup.rollupNow();
			}
			assertSameAsLedger(schema, reports, summaries, events, true);
			// Rows the rollup has not folded yet count too.
			List<UsageEvent> unfolded = events(random, 120);
			store.insert(unfolded, NOW);
			events.addAll(unfolded);
			assertSameAsLedger(schema, reports, summaries, events, false);
			rollup.rollupNow();
			assertSameAsLedger(schema, reports, summaries, events, true);
		}
	}

	public static BillingReportService reportService(TestSchema schema, MutableClock clock) {
		TenantPlans plans = new TenantPlans() {

			@Override
			public Optional<String> planOf(String tenant) {
				return Optional.ofNullable(PLANS.get(tenant));
			}

			@Override
			public boolean isKnown(String tenant) {
				return PLANS.containsKey(tenant);
			}

		};
		PlanPricingSource pricing = (plan) -> Optional.ofNullable(Map.of("pro", PRO, "enterprise", ENTERPRISE).get(plan));
		return new BillingReportService(plans, pricing,
				new RollupUsageReader(schema.dataSource(), schema::dialect, schema.tables()), schema.dataSource(),
				schema::dialect, schema.tables(), RoundingMode.HALF_UP, Duration.ofDays(35), clock);
	}

	private static void assertSameAsLedger(TestSchema schema, BillingReportService reports,
			UsageSummaryService summaries, List<UsageEvent> events, boolean allFolded) {
		for (String scope : List.of("acme", "globex", "initech", "holding")) {
			PlanPricing prices = "holding".equals(scope) ? ENTERPRISE : PRO;
			BillingReport report = reports.report(scope, NOVEMBER);
			assertThat(reports.report(scope, NOVEMBER)).as("asked twice").isEqualTo(report);
			assertThat(report.plan()).isEqualTo(prices.plan());
			BigDecimal subtotal = prices.baseFee().setScale(prices.scale());
			for (int i = 0; i < prices.prices().size(); i++) {
				MeterPrice price = prices.prices().get(i);
				BigDecimal truth = sum(events, (e) -> e.billingScopeId().equals(scope)
						&& e.meter().equals(price.meter()) && in(e.occurredAt(), NOVEMBER));
				BigDecimal ledger = schema.jdbc()
					.queryForObject("SELECT COALESCE(SUM(quantity), 0) FROM " + schema.tables().usageEvent()
							+ " WHERE billing_scope_id = ? AND meter = ? AND occurred_at >= ? AND occurred_at < ?",
							BigDecimal.class, scope, price.meter(), schema.dialect().timestamp(NOVEMBER.from()),
							schema.dialect().timestamp(NOVEMBER.to()));
				assertThat(ledger).as("Σ ledger %s %s", scope, price.meter()).isEqualByComparingTo(truth);
				if (allFolded) {
					BigDecimal rollups = schema.jdbc()
						.queryForObject("SELECT COALESCE(SUM(quantity), 0) FROM " + schema.tables().usageRollup()
								+ " WHERE billing_scope_id = ? AND meter = ? AND period_start >= ? AND period_start < ?",
								BigDecimal.class, scope, price.meter(), schema.dialect().timestamp(NOVEMBER.from()),
								schema.dialect().timestamp(NOVEMBER.to()));
					assertThat(rollups).as("Σ rollups = Σ ledger %s %s", scope, price.meter())
						.isEqualByComparingTo(ledger);
				}
				BillingReport.Line line = report.lines().get(i);
				assertThat(line.meter()).isEqualTo(price.meter());
				assertThat(line.charge().quantity()).isEqualByComparingTo(ledger);
				assertThat(line.charge().amount())
					.isEqualTo(price.charge(ledger, prices.scale(), RoundingMode.HALF_UP).amount());
				subtotal = subtotal.add(line.charge().amount());
			}
			assertThat(report.subtotal()).isEqualTo(subtotal);
			assertThat(report.lines()).as("the load bills overage").anyMatch((l) -> l.charge().billable().signum() > 0);
			assertThat(report.tenants()).containsExactlyElementsOf(new TreeSet<>(events.stream()
				.filter((e) -> e.billingScopeId().equals(scope) && in(e.occurredAt(), NOVEMBER))
				.map(UsageEvent::tenantId)
				.toList()));
			assertThat(report.closed()).isFalse();
		}
		for (String tenant : TENANTS) {
			for (String meter : METERS) {
				assertSummary(summaries, events, tenant, meter, NOVEMBER, Granularity.DAY);
				assertSummary(summaries, events, tenant, meter,
						new BillingPeriod(Instant.parse("2026-11-29T05:00:00Z"), Instant.parse("2026-12-01T09:00:00Z")),
						Granularity.HOUR);
				assertSummary(summaries, events, tenant, meter,
						new BillingPeriod(Instant.parse("2026-10-01T00:00:00Z"), NOW), Granularity.MONTH);
				assertTopUsers(summaries, events, tenant, meter);
			}
		}
	}

	private static void assertSummary(UsageSummaryService summaries, List<UsageEvent> events, String tenant,
			String meter, BillingPeriod period, Granularity granularity) {
		UsageSummary summary = summaries.summary(tenant, meter, period, granularity);
		TreeMap<Instant, BigDecimal> truth = new TreeMap<>();
		for (Instant start = granularity.start(period.from()); start.isBefore(period.to()); start = granularity
			.next(start)) {
			truth.put(start.isBefore(period.from()) ? period.from() : start, BigDecimal.ZERO);
		}
		for (UsageEvent e : events) {
			if (e.tenantId().equals(tenant) && e.meter().equals(meter) && in(e.occurredAt(), period)) {
				Instant start = granularity.start(e.occurredAt());
				truth.merge(start.isBefore(period.from()) ? period.from() : start, e.quantity(), BigDecimal::add);
			}
		}
		assertThat(summary.buckets()).hasSize(truth.size());
		int i = 0;
		for (Map.Entry<Instant, BigDecimal> bucket : truth.entrySet()) {
			UsageSummary.Bucket actual = summary.buckets().get(i++);
			assertThat(actual.start()).isEqualTo(bucket.getKey());
			assertThat(actual.quantity()).as("%s %s %s %s", tenant, meter, granularity, actual.start())
				.isEqualByComparingTo(bucket.getValue());
		}
		assertThat(summary.total()).isEqualByComparingTo(sum(events,
				(e) -> e.tenantId().equals(tenant) && e.meter().equals(meter) && in(e.occurredAt(), period)));
		assertThat(summary.buckets().get(summary.buckets().size() - 1).end()).isEqualTo(period.to());
	}

	private static void assertTopUsers(UsageSummaryService summaries, List<UsageEvent> events, String tenant,
			String meter) {
		assertTopUsers(summaries, events, tenant, meter, NOVEMBER);
		// Whole days read from the daily rollups, the hours around them from the hourly ones.
		assertTopUsers(summaries, events, tenant, meter,
				new BillingPeriod(Instant.parse("2026-11-03T05:00:00Z"), Instant.parse("2026-11-21T17:00:00Z")));
		assertTopUsers(summaries, events, tenant, meter,
				new BillingPeriod(Instant.parse("2026-11-30T13:00:00Z"), Instant.parse("2026-12-01T09:00:00Z")));
		assertTopUsers(summaries, events, tenant, meter,
				new BillingPeriod(Instant.parse("2026-11-10T00:00:00Z"), Instant.parse("2026-11-10T07:00:00Z")));
	}

	private static void assertTopUsers(UsageSummaryService summaries, List<UsageEvent> events, String tenant,
			String meter, BillingPeriod period) {
		Map<String, List<UsageEvent>> byUser = events.stream()
			.filter((e) -> e.tenantId().equals(tenant) && e.meter().equals(meter) && in(e.occurredAt(), period)
					&& e.userId() != null)
			.collect(Collectors.groupingBy(UsageEvent::userId));
		List<TopUser> truth = byUser.entrySet()
			.stream()
			.map((u) -> new TopUser(u.getKey(), u.getValue().stream().map(UsageEvent::quantity).reduce(BigDecimal.ZERO,
					BigDecimal::add), u.getValue().size()))
			.sorted(Comparator.comparing(TopUser::quantity).reversed().thenComparing(TopUser::userId))
			.limit(3)
			.toList();
		List<TopUser> top = summaries.topUsers(tenant, meter, period, 3);
		assertThat(summaries.topUsersFromHours(tenant, meter, period, 3)).as("the hourly statement agrees")
			.isEqualTo(top);
		assertThat(top).hasSize(truth.size());
		for (int i = 0; i < truth.size(); i++) {
			assertThat(top.get(i).userId()).isEqualTo(truth.get(i).userId());
			assertThat(top.get(i).quantity()).isEqualByComparingTo(truth.get(i).quantity());
			assertThat(top.get(i).events()).isEqualTo(truth.get(i).events());
		}
	}

	private static List<UsageEvent> events(Random random, int count) {
		long span = Duration.between(LOAD_START, NOW).getSeconds();
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String tenant = TENANTS.get(random.nextInt(TENANTS.size()));
			UsageEvent event = UsageEvent.builder(tenant, METERS.get(random.nextInt(METERS.size())))
				.quantity(BigDecimal.valueOf(random.nextInt(1_000_000_000), random.nextInt(10)))
				.occurredAt(LOAD_START.plusSeconds(random.nextLong(span)))
				.userId(random.nextInt(8) == 0 ? null : "user-" + random.nextInt(6))
				.build();
			events.add(random.nextInt(4) == 0 ? event.withBillingScope("holding") : event);
		}
		return events;
	}

	private static BigDecimal sum(List<UsageEvent> events, Predicate<UsageEvent> filter) {
		return events.stream().filter(filter).map(UsageEvent::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
	}

	private static boolean in(Instant at, BillingPeriod period) {
		return !at.isBefore(period.from()) && at.isBefore(period.to());
	}

}
