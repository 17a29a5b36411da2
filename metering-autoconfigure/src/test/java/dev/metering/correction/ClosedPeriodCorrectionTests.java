package dev.metering.correction;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.metering.billing.BillingFromLedgerTests;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportCsv;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.MeterPrice;
import dev.metering.event.Correction;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.PartitionedLedgerTests;
import dev.metering.meter.MeterDefinitions;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A correction of an event whose period has closed: the closed period's report stays exactly as
 * it was, and the report of the period the correction is made in carries an adjustment line
 * naming the closed period; the closed period plus its adjustments cost what the corrected usage
 * costs (with the graduated price of plan {@code pro}, so not simply quantity x price).
 */
class ClosedPeriodCorrectionTests {

	private static final Duration CLOSE_AFTER = Duration.ofDays(35);

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	private static final BillingPeriod JANUARY = BillingPeriod.month(YearMonth.of(2027, 1));

	private static final BillingPeriod FEBRUARY = BillingPeriod.month(YearMonth.of(2027, 2));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aCorrectionAfterTheCloseIsAnAdjustmentOfTheNextReport(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			adjustsTheNextReport(schema);
		}
	}

	@Test
	void aCorrectionAfterTheCloseIsAnAdjustmentOnAMonthlyPartitionedLedger() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PartitionedLedgerTests.PARTITIONED_SCHEMA)) {
			adjustsTheNextReport(schema);
		}
	}

	private static void adjustsTheNextReport(TestSchema schema) {
		{
			MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			RollupJob rollup = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(),
					RollupSettings.defaults(), clock);
			BillingReportService reports = BillingFromLedgerTests.reportService(schema, clock);
			LedgerCorrections corrections = new LedgerCorrections(schema.dataSource(), schema::dialect,
					schema.tables(), clock, CLOSE_AFTER, Duration.ofMillis(200), List::of, () -> MeterDefinitions.NONE);
			UsageEvent big = event("4000", "2026-11-10T08:00:00Z");
			UsageEvent small = event("1500", "2026-11-20T09:30:00Z");
			store.insert(List.of(big, small, event("300", "2026-11-25T10:00:00Z")), clock.instant());
			rollup.rollupNow();

			clock.set(NOVEMBER.to().plus(CLOSE_AFTER).plusSeconds(60));
			BillingReport closed = reports.report("acme", NOVEMBER);
			assertThat(closed.closed()).isTrue();
			String closedCsv = BillingReportCsv.write(closed);
			store.insert(List.of(event("700", "2027-01-06T10:00:00Z")), clock.instant());

			clock.set(Instant.parse("2027-01-10T12:00:00Z"));
			Correction voided = corrections.voidEvent("acme", small.eventId(), "finance", "duplicate import");
			Correction corrected = corrections.correct("acme", big.eventId(), new BigDecimal("3000"), "finance", "");
			assertThat(voided.adjustment()).isTrue();
			assertThat(voided.occurredAt()).isEqualTo(clock.instant());
			assertThat(corrected.previousQuantity()).isEqualByComparingTo("4000");
			rollup.rollupNow();

			// The closed period: byte for byte the same.
			BillingReport closedAgain = reports.report("acme", NOVEMBER);
			assertThat(BillingReportCsv.write(closedAgain)).isEqualTo(closedCsv);
			assertThat(closedAgain).isEqualTo(closed);

			// January: its own 700 on the line, the corrections (-1500 - 1000) as November's adjustment.
			BillingReport january = reports.report("acme", JANUARY);
			MeterPrice calls = january.lines().get(0).price();
			assertThat(january.lines().get(0).charge().quantity()).isEqualByComparingTo("700");
			assertThat(january.adjustments()).singleElement().satisfies((adjustment) -> {
				assertThat(adjustment.meter()).isEqualTo("api.calls");
				assertThat(adjustment.adjusted()).isEqualTo(NOVEMBER);
				assertThat(adjustment.quantity()).isEqualByComparingTo("-2500");
			});
			assertThat(january.subtotal()).isEqualByComparingTo(january.baseFee()
				.add(january.lines().get(0).charge().amount())
				.add(january.lines().get(1).charge().amount())
				.add(january.adjustments().get(0).amount()));
			assertThat(BillingReportCsv.write(january)).contains("api.calls,adjusts=" + NOVEMBER.from() + "/"
					+ NOVEMBER.to() + ",-2500,,,adjustment");
			// November as billed plus its adjustment = November's corrected usage (3000 + 300) priced.
			assertThat(closed.lines().get(0).charge().amount().add(january.adjustments().get(0).amount()))
				.isEqualByComparingTo(charge(calls, "3300"));

			// A later correction of the same event: February's adjustment starts where January's ended.
			clock.set(Instant.parse("2027-02-03T08:00:00Z"));
			corrections.correct("acme", big.eventId(), new BigDecimal("100"), "finance", "refund");
			assertThat(corrections.correct("acme", big.eventId(), new BigDecimal("100"), "finance", "again").changed())
				.isFalse();
			rollup.rollupNow();
			BillingReport february = reports.report("acme", FEBRUARY);
			assertThat(february.lines().get(0).charge().quantity()).isEqualByComparingTo("0");
			assertThat(february.adjustments()).singleElement()
				.satisfies((adjustment) -> assertThat(adjustment.quantity()).isEqualByComparingTo("-2900"));
			assertThat(reports.report("acme", JANUARY)).as("January is unchanged").isEqualTo(january);
			assertThat(closed.lines().get(0).charge().amount()
				.add(january.adjustments().get(0).amount())
				.add(february.adjustments().get(0).amount())).isEqualByComparingTo(charge(calls, "400"));
			assertThat(BillingReportCsv.write(reports.report("acme", NOVEMBER))).isEqualTo(closedCsv);

			// The ledger keeps every row: three compensating rows linked to their events.
			Map<String, Object> links = schema.jdbc()
				.queryForMap("SELECT COUNT(*) AS n, SUM(quantity) AS q FROM " + schema.tables().usageEvent()
						+ " WHERE corrects_event_id IS NOT NULL");
			assertThat(((Number) links.get(links.containsKey("n") ? "n" : "N")).longValue()).isEqualTo(3);
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_audit" + " WHERE actor = 'finance'",
						Long.class)).isEqualTo(3);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aCorrectionOfAnOpenPeriodStaysInTheEventsHour(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			BillingReportService reports = BillingFromLedgerTests.reportService(schema, clock);
			LedgerCorrections corrections = new LedgerCorrections(schema.dataSource(), schema::dialect,
					schema.tables(), clock, CLOSE_AFTER, Duration.ofMillis(200), List::of, () -> MeterDefinitions.NONE);
			UsageEvent event = event("6000", "2026-11-10T08:00:00Z");
			store.insert(List.of(event), clock.instant());
			Correction corrected = corrections.correct("acme", event.eventId(), new BigDecimal("2000"), "ops", "");
			assertThat(corrected.adjustment()).isFalse();
			assertThat(corrected.occurredAt()).isEqualTo(event.occurredAt());
			BillingReport november = reports.report("acme", NOVEMBER);
			assertThat(november.adjustments()).isEmpty();
			assertThat(november.lines().get(0).charge().quantity()).isEqualByComparingTo("2000");
			assertThat(november.lines().get(0).charge().amount())
				.isEqualByComparingTo(charge(november.lines().get(0).price(), "2000"));
			UUID unknown = UUID.randomUUID();
			assertThat(corrections.voidEvent("acme", event.eventId(), "ops", "").quantity()).isZero();
			assertThat(reports.report("acme", NOVEMBER).lines().get(0).charge().quantity()).isZero();
			assertThat(unknown).isNotEqualTo(event.eventId());
		}
	}

	private static BigDecimal charge(MeterPrice price, String quantity) {
		return price.charge(new BigDecimal(quantity), 2, RoundingMode.HALF_UP).amount();
	}

	private static UsageEvent event(String quantity, String occurredAt) {
		return UsageEvent.builder("acme", "api.calls")
			.quantity(new BigDecimal(quantity))
			.occurredAt(Instant.parse(occurredAt))
			.build();
	}

}
