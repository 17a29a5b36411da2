package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterEvents;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Usage by group and filter, for every aggregation, equals the same aggregation computed by SQL
 * over the ledger, on every database: with part of the ledger folded and part not (rollups plus
 * unfolded rows), per day and per month, for a month and for a range starting mid-month (unique
 * counts of the latter read from the ledger, of the former from the monthly distinct values).
 */
class MeterUsageReaderTests {

	private static final Instant MONTH = MeterRollupTests.MONTH;

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void usageByGroupAndFilterEqualsTheLedger(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			RollupJob job = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(),
					new RollupSettings(1000, Duration.ofMinutes(10)), Clock.systemUTC(), () -> MeterRollupTests.meters);
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			MeterEvents events = new MeterEvents(MeterRollupTests.meters);
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (int batch = 0; batch < 12; batch++) {
				List<UsageEvent> written = new ArrayList<>();
				for (int i = 0; i < 25; i++) {
					written.addAll(events.eventsOf(MeterRollupTests.randomPayload(random)));
				}
				store.insert(written, Instant.now());
				if (batch == 7) {
					// Two thirds folded, the rest read from the ledger's unfolded rows.
					job.rollupNow();
				}
			}
			MeterUsageReader reader = new MeterUsageReader(schema.dataSource(), schema::dialect, schema.tables());
			MeterLedgerTruth truth = new MeterLedgerTruth(schema);
			int compared = 0;
			Instant monthEnd = MONTH.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
			List<Instant[]> windows = List.of(new Instant[] { MONTH, monthEnd },
					new Instant[] { MONTH.plus(1, ChronoUnit.HOURS), monthEnd });
			for (MeterDefinition meter : MeterRollupTests.meters.all()) {
				for (Instant[] window : windows) {
					for (boolean byDay : new boolean[] { false, true }) {
						NavigableSet<Instant> buckets = new TreeSet<>();
						buckets.add(MONTH);
						if (byDay) {
							for (Instant day = MONTH; day.isBefore(monthEnd); day = day.plus(1, ChronoUnit.DAYS)) {
								buckets.add(day);
							}
						}
						for (Map<String, String> filter : filtersOf(meter)) {
							List<String> groupBy = (meter.ungrouped() || !filter.isEmpty()) ? List.of() : List.of("model");
							MeterUsage usage = reader.tenantUsage(meter, "acme",
									new MeterUsageReader.Query(window[0], window[1], buckets, groupBy, filter));
							for (Map<String, String> group : groupBy.isEmpty() ? List.of(filter)
									: List.of(Map.of("model", "a"), Map.of("model", "b"), Map.of("model", "c"))) {
								Map<String, String> key = groupBy.isEmpty() ? Map.of() : group;
								MeterUsage.Series series = usage.groups().get(key);
								String what = meter.name() + " " + group + " " + window[0] + " by day " + byDay;
								compared += compare(truth, meter, group, window[0], window[1], series, what);
								if (byDay && series != null) {
									Instant day = MONTH.plus(1, ChronoUnit.DAYS);
									compareBucket(truth, meter, group, day, day.plus(1, ChronoUnit.DAYS),
											series.buckets().get(day), what + " day 2");
								}
							}
						}
					}
				}
			}
			assertThat(compared).isGreaterThan(50);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> reader.tenantUsage(MeterRollupTests.meters.find("t.tokens"), "acme",
						MeterUsageReader.Query.total(MONTH, monthEnd, Map.of("region", "eu"))))
				.withMessageContaining("region");
		}
	}

	private static List<Map<String, String>> filtersOf(MeterDefinition meter) {
		return meter.ungrouped() ? List.of(Map.of()) : List.of(Map.of(), Map.of("model", "b"));
	}

	private static int compare(MeterLedgerTruth truth, MeterDefinition meter, Map<String, String> group, Instant from,
			Instant to, MeterUsage.Series series, String what) {
		BigDecimal expected = expected(truth, meter, group, from, to);
		if (expected == null) {
			assertThat(series).as(what).isNull();
			return 0;
		}
		assertThat(series).as(what).isNotNull();
		assertThat(series.total()).as(what).isEqualByComparingTo(expected);
		return 1;
	}

	private static void compareBucket(MeterLedgerTruth truth, MeterDefinition meter, Map<String, String> group,
			Instant from, Instant to, BigDecimal actual, String what) {
		BigDecimal expected = expected(truth, meter, group, from, to);
		if (expected == null) {
			assertThat(actual).as(what).isNull();
		}
		else {
			assertThat(actual).as(what).isEqualByComparingTo(expected);
		}
	}

	private static BigDecimal expected(MeterLedgerTruth truth, MeterDefinition meter, Map<String, String> group,
			Instant from, Instant to) {
		if (meter.aggregation() == Aggregation.UNIQUE_COUNT) {
			long count = truth.uniqueCount("acme", meter.name(), group, from, to);
			return (count == 0) ? null : BigDecimal.valueOf(count);
		}
		MeterLedgerTruth.Aggregates a = truth.aggregates("acme", meter.name(), group, from, to);
		if (a.count() == 0) {
			return null;
		}
		return switch (meter.aggregation()) {
			case SUM -> a.sum();
			case COUNT -> BigDecimal.valueOf(a.count());
			case MIN -> a.min();
			case MAX -> a.max();
			case LATEST -> a.latest();
			case UNIQUE_COUNT -> throw new IllegalStateException();
		};
	}

}
