package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.metering.billing.BillingFromLedgerTests;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.LedgerPartitions;
import dev.metering.ledger.PartitionedLedgerTests;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention on a monthly partitioned ledger (PostgreSQL): of 26 months of history, exactly the
 * closed, folded and expired months are dropped, a month with one unfolded row is kept, and the
 * usage reads, the rollups and the billing reports answer the same before and after.
 */
class LedgerRetentionTests {

	private static final Instant NOW = Instant.parse("2026-12-07T04:00:00Z");

	private static final YearMonth FIRST = YearMonth.of(2024, 11);

	private static final YearMonth UNFOLDED = YearMonth.of(2025, 1);

	private static final List<String> TENANTS = List.of("acme", "globex");

	@Test
	void retentionDropsExactlyTheClosedFoldedExpiredMonthsAndReadsAnswerTheSame() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PartitionedLedgerTests.PARTITIONED_SCHEMA)) {
			MutableClock clock = new MutableClock(NOW);
			LedgerPartitions partitions = new LedgerPartitions(schema.dataSource(), schema.tables(), clock, 0, 0,
					Duration.ofDays(400), Duration.ofDays(35));
			for (int i = 0; i < 26; i++) {
				partitions.ensureMonth(FIRST.plusMonths(i));
			}
			JdbcUsageEventStore store = RollupJobTests.store(schema);
			Random random = new Random(30);
			List<UsageEvent> history = new ArrayList<>();
			for (int i = 0; i < 26; i++) {
				for (int e = 0; e < 20; e++) {
					history.add(event(random, FIRST.plusMonths(i)));
				}
			}
			store.insert(history, NOW);
			RollupJob job = RollupJobTests.job(schema, clock, RollupSettings.defaults());
			job.rollupNow();
			job.rollupNow();
			// Written after the fold: above the watermark, so its month may not go.
			store.insert(List.of(event(random, UNFOLDED)), NOW);
			UsageReader rollups = new RollupUsageReader(schema.dataSource(), schema::dialect, schema.tables());
			BillingReportService billing = BillingFromLedgerTests.reportService(schema, clock);
			List<BillingReport> billsBefore = bills(billing);
			Map<String, BigDecimal> before = readings(rollups);
			List<Map<String, Object>> rollupRowsBefore = rollupRows(schema);

			List<YearMonth> dropped = partitions.dropExpired();

			// Kept from 2025-11-02 (400 days before NOW): months ending on or before it are expired.
			List<YearMonth> expected = new ArrayList<>();
			for (YearMonth month = FIRST; month.isBefore(YearMonth.of(2025, 11)); month = month.plusMonths(1)) {
				if (!month.equals(UNFOLDED)) {
					expected.add(month);
				}
			}
			assertThat(dropped).containsExactlyElementsOf(expected).hasSize(11);
			assertThat(schema.eventCount()).isEqualTo(26 * 20 + 1 - 11 * 20);
			assertThat(readings(rollups)).isEqualTo(before);
			assertThat(rollupRows(schema)).isEqualTo(rollupRowsBefore);
			assertThat(bills(billing)).isEqualTo(billsBefore);
			assertThat(schema.jdbc()
				.queryForObject("SELECT to_regclass(?) IS NOT NULL", Boolean.class,
						schema.tables().usageEvent() + "_p202501"))
				.isTrue();
			assertThat(partitions.dropExpired()).isEmpty();

			// Once folded, the kept month goes on the next run.
			job.rollupNow();
			assertThat(partitions.dropExpired()).containsExactly(UNFOLDED);
			assertThat(readings(rollups)).isEqualTo(before);
		}
	}

	@Test
	void aMonthWithARowInAnOpenGapIsKept() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PartitionedLedgerTests.PARTITIONED_SCHEMA)) {
			MutableClock clock = new MutableClock(NOW);
			LedgerPartitions partitions = new LedgerPartitions(schema.dataSource(), schema.tables(), clock, 0, 0,
					Duration.ofDays(400), Duration.ofDays(35));
			YearMonth late = YearMonth.of(2025, 3);
			YearMonth other = YearMonth.of(2025, 4);
			partitions.ensureMonth(late);
			partitions.ensureMonth(other);
			JdbcUsageEventStore store = RollupJobTests.store(schema);
			RollupJob job = RollupJobTests.job(schema, clock, RollupSettings.defaults());
			Random random = new Random(7);
			store.insert(List.of(event(random, late)), NOW);
			try (Connection slow = schema.dataSource().getConnection()) {
				slow.setAutoCommit(false);
				RollupJobTests.insertOn(slow, schema, event(random, late));
				store.insert(List.of(event(random, other)), NOW);
				job.rollupNow();
				slow.commit();
			}
			// The slow row's id is below the watermark, in an open gap: folded by no one yet.
			assertThat(partitions.dropExpired()).containsExactly(other);
			job.rollupNow();
			assertThat(partitions.dropExpired()).containsExactly(late);
		}
	}

	@Test
	void withoutAFoldNothingIsDropped() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PartitionedLedgerTests.PARTITIONED_SCHEMA)) {
			LedgerPartitions partitions = new LedgerPartitions(schema.dataSource(), schema.tables(),
					new MutableClock(NOW), 0, 0, Duration.ofDays(400), Duration.ofDays(35));
			partitions.ensureMonth(FIRST);
			RollupJobTests.store(schema).insert(List.of(event(new Random(1), FIRST)), NOW);
			assertThat(partitions.dropExpired()).isEmpty();
			assertThat(schema.eventCount()).isOne();
		}
	}

	private static UsageEvent event(Random random, YearMonth month) {
		Instant start = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
		return UsageEvent.builder(TENANTS.get(random.nextInt(TENANTS.size())), "api.calls")
			.quantity(BigDecimal.valueOf(1 + random.nextInt(9)))
			.occurredAt(start.plusSeconds(random.nextInt(27 * 86_400)))
			.build();
	}

	/** Each tenant's usage of each month and of the whole history. */
	private static Map<String, BigDecimal> readings(UsageReader reader) {
		Map<String, BigDecimal> readings = new LinkedHashMap<>();
		Instant first = FIRST.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
		for (String tenant : TENANTS) {
			for (int i = 0; i < 26; i++) {
				Instant from = FIRST.plusMonths(i).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
				Instant to = FIRST.plusMonths(i + 1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
				readings.put(tenant + " " + FIRST.plusMonths(i),
						reader.tenantUsage(tenant, "api.calls", from, to).stripTrailingZeros());
			}
			readings.put(tenant + " all", reader.tenantUsage(tenant, "api.calls", first, NOW).stripTrailingZeros());
		}
		return readings;
	}

	/** Each tenant's bill of each month of the history. */
	private static List<BillingReport> bills(BillingReportService billing) {
		List<BillingReport> bills = new ArrayList<>();
		for (String tenant : TENANTS) {
			for (int i = 0; i < 26; i++) {
				bills.add(billing.report(tenant, BillingPeriod.month(FIRST.plusMonths(i))));
			}
		}
		return bills;
	}

	private static List<Map<String, Object>> rollupRows(TestSchema schema) {
		return schema.jdbc()
			.queryForList("SELECT tenant_id, meter, billing_scope_id, period_start, quantity, event_count FROM "
					+ schema.tables().usageRollup() + " ORDER BY tenant_id, meter, billing_scope_id, period_start");
	}

}
