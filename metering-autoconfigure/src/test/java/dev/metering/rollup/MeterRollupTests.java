package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance property of defined meters, on every database: randomized events of every
 * aggregation (several tenants, groups, hours across a month's end, instants shared by several
 * events, late commits and rollbacks) written by two writer instances while two rollup jobs of
 * their own DataSources race; afterwards every (tenant, meter, group) of every hour, day and
 * month read from the rollups equals the same aggregation computed by SQL over the ledger, and a
 * month's unique count (or one up to any hour of it) equals COUNT(DISTINCT) over the ledger.
 */
class MeterRollupTests {

	private static final Duration WRITE_FOR = Duration.ofSeconds(3);

	/** The start of last month: events fall in it and the month before, all in the past. */
	static final Instant MONTH = YearMonth.now(ZoneOffset.UTC).minusMonths(1).atDay(1).atStartOfDay()
		.toInstant(ZoneOffset.UTC);

	/** Hours around the month's start (so late events land in both months) and within it. */
	private static final long[] HOURS = { -24 * 12, -26, -2, -1, 0, 1, 5, 30, 24 * 9 };

	static final MeterDefinitions meters = MeterDefinitions.of(List.of(
			MeterDefinition.builder("t.tokens", Aggregation.SUM).eventType("use").value("/tokens")
				.groupBy("model", "/model").build(),
			MeterDefinition.builder("t.calls", Aggregation.COUNT).eventType("use").groupBy("model", "/model").build(),
			MeterDefinition.builder("t.gb.max", Aggregation.MAX).eventType("use").value("/gb").build(),
			MeterDefinition.builder("t.gb.min", Aggregation.MIN).eventType("use").value("/gb")
				.groupBy("model", "/model").build(),
			MeterDefinition.builder("t.gb.latest", Aggregation.LATEST).eventType("use").value("/gb").build(),
			MeterDefinition.builder("t.seats", Aggregation.UNIQUE_COUNT).eventType("use").value("/user").build(),
			MeterDefinition.builder("t.seats.model", Aggregation.UNIQUE_COUNT).eventType("use").value("/user")
				.groupBy("model", "/model").build()));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void rollupsEqualTheLedgerForEveryAggregationGroupAndWindow(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource instanceA = database.newDataSource(3);
				HikariDataSource instanceB = database.newDataSource(3)) {
			RollupSettings settings = new RollupSettings(40, Duration.ofMinutes(10));
			RollupJob jobA = new RollupJob(instanceA, schema::dialect, schema.tables(), settings, Clock.systemUTC(),
					() -> meters);
			RollupJob jobB = new RollupJob(instanceB, schema::dialect, schema.tables(), settings, Clock.systemUTC(),
					() -> meters);
			List<JdbcUsageEventStore> writers = List.of(
					new JdbcUsageEventStore(instanceA, schema::dialect, schema.tables()),
					new JdbcUsageEventStore(instanceB, schema::dialect, schema.tables()));
			AtomicBoolean writing = new AtomicBoolean(true);
			ExecutorService threads = Executors.newFixedThreadPool(5);
			try {
				long until = System.nanoTime() + WRITE_FOR.toNanos();
				List<Future<?>> writes = new ArrayList<>();
				for (JdbcUsageEventStore store : writers) {
					writes.add(threads.submit(() -> write(schema, store, until)));
				}
				writes.add(threads.submit(() -> write(schema, null, until)));
				List<Future<?>> rollups = List.of(
						threads.submit(() -> RollupConcurrencyTests.rollUntil(jobA, writing)),
						threads.submit(() -> RollupConcurrencyTests.rollUntil(jobB, writing)));
				for (Future<?> write : writes) {
					write.get(60, TimeUnit.SECONDS);
				}
				writing.set(false);
				for (Future<?> rollup : rollups) {
					rollup.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				threads.shutdownNow();
			}
			jobA.rollupNow();

			assertThat(RollupTruth.differences(schema)).as("the sum rollups stay exact").isEmpty();
			assertEveryWindowMatches(schema);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aBillingScopeReadsEveryTenantItPaysFor(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			MeterEvents events = new MeterEvents(meters);
			Instant at = MONTH.plus(3, ChronoUnit.HOURS);
			List<UsageEvent> batch = new ArrayList<>();
			for (String[] use : new String[][] { { "acme", "u-1", "a" }, { "acme", "u-2", "b" }, { "beta", "u-2", "a" },
					{ "beta", "u-3", "a" }, { "gamma", "u-9", "a" } }) {
				String scope = use[0].equals("gamma") ? "gamma" : "org";
				events.eventsOf(UsagePayload.builder(use[0], "use")
					.data(Map.of("model", use[2], "tokens", 10, "gb", 1, "user", use[1]))
					.occurredAt(at)
					.build()).forEach((event) -> batch.add(event.withBillingScope(scope)));
			}
			RollupJobTests.store(schema).insert(batch, Instant.now());
			new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), RollupSettings.defaults(),
					Clock.systemUTC(), () -> meters)
				.rollupNow();

			MeterRollupReader reader = new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables());
			Instant end = nextMonth(MONTH);
			assertThat(reader.uniqueCountsOfBillingScope("org", "t.seats", MONTH, end))
				.as("u-2 of acme and of beta counts once").containsExactly(Map.entry(Map.of(), 3L));
			assertThat(reader.uniqueCountsOfBillingScope("org", "t.seats.model", MONTH, end))
				.containsExactlyInAnyOrderEntriesOf(Map.of(Map.of("model", "a"), 3L, Map.of("model", "b"), 1L));
			assertThat(reader.readBillingScope("org", "t.tokens", MONTH, end).get(Map.of("model", "a")).sum())
				.isEqualByComparingTo("30");
			assertThat(reader.uniqueCounts("beta", "t.seats", MONTH, end)).containsExactly(Map.entry(Map.of(), 2L));
		}
	}

	static void assertEveryWindowMatches(TestSchema schema) {
		MeterRollupReader reader = new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables());
		MeterLedgerTruth truth = new MeterLedgerTruth(schema);
		Set<Instant> hours = new TreeSet<>();
		for (long hour : HOURS) {
			hours.add(MONTH.plus(hour, ChronoUnit.HOURS));
		}
		int compared = 0;
		for (String tenant : List.of("acme", "beta", "gamma")) {
			for (MeterDefinition meter : meters.all()) {
				List<Instant[]> windows = new ArrayList<>();
				Set<Instant> days = new HashSet<>();
				Set<Instant> months = new HashSet<>();
				for (Instant hour : hours) {
					windows.add(new Instant[] { hour, hour.plus(1, ChronoUnit.HOURS) });
					days.add(hour.truncatedTo(ChronoUnit.DAYS));
					months.add(MeterFold.monthOf(hour));
				}
				days.forEach((day) -> windows.add(new Instant[] { day, day.plus(1, ChronoUnit.DAYS) }));
				months.forEach((month) -> windows.add(new Instant[] { month, nextMonth(month) }));
				if (meter.aggregation() == Aggregation.UNIQUE_COUNT) {
					for (Instant month : months) {
						compared += compareUniqueCounts(reader, truth, tenant, meter, month, nextMonth(month));
						// Month to date, up to an hour within it.
						compared += compareUniqueCounts(reader, truth, tenant, meter, month,
								month.plus(6, ChronoUnit.HOURS));
					}
					continue;
				}
				for (Instant[] window : windows) {
					Map<Map<String, String>, MeterGroupUsage> usage = reader.read(tenant, meter.name(), window[0], window[1]);
					for (Map<String, String> group : groupsOf(meter)) {
						MeterLedgerTruth.Aggregates expected = truth.aggregates(tenant, meter.name(), group, window[0],
								window[1]);
						MeterGroupUsage actual = usage.get(group);
						String what = tenant + " " + meter.name() + " " + group + " " + window[0] + ".." + window[1];
						if (expected.count() == 0) {
							assertThat(actual).as(what).isNull();
							continue;
						}
						assertThat(actual).as(what).isNotNull();
						assertThat(actual.count()).as(what + " count").isEqualTo(expected.count());
						assertThat(actual.value(meter.aggregation())).as(what + " " + meter.aggregation())
							.isEqualByComparingTo(switch (meter.aggregation()) {
								case SUM -> expected.sum();
								case COUNT -> BigDecimal.valueOf(expected.count());
								case MIN -> expected.min();
								case MAX -> expected.max();
								case LATEST -> expected.latest();
								case UNIQUE_COUNT -> throw new IllegalStateException();
							});
						assertThat(actual.latest()).as(what + " latest").isEqualByComparingTo(expected.latest());
						compared++;
					}
				}
			}
		}
		assertThat(compared).as("windows with events compared").isGreaterThan(100);
	}

	private static int compareUniqueCounts(MeterRollupReader reader, MeterLedgerTruth truth, String tenant,
			MeterDefinition meter, Instant month, Instant before) {
		Map<Map<String, String>, Long> counts = reader.uniqueCounts(tenant, meter.name(), month, before);
		int compared = 0;
		for (Map<String, String> group : groupsOf(meter)) {
			long expected = truth.uniqueCount(tenant, meter.name(), group, month, before);
			assertThat(counts.getOrDefault(group, 0L)).as(tenant + " " + meter.name() + " " + group + " " + month
					+ " before " + before).isEqualTo(expected);
			compared += (expected > 0) ? 1 : 0;
		}
		return compared;
	}

	private static List<Map<String, String>> groupsOf(MeterDefinition meter) {
		return meter.ungrouped() ? List.of(Map.of())
				: List.of(Map.of("model", "a"), Map.of("model", "b"), Map.of("model", "c"));
	}

	private static Instant nextMonth(Instant month) {
		return month.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
	}

	/**
	 * Writes random payloads' events until the deadline: through a writer instance's store, or
	 * (without one) in transactions that commit late, after higher ids, or roll back.
	 */
	private static Void write(TestSchema schema, JdbcUsageEventStore store, long until) throws Exception {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		MeterEvents events = new MeterEvents(meters);
		while (System.nanoTime() < until) {
			List<UsageEvent> batch = new ArrayList<>();
			for (int i = random.nextInt(1, 4); i > 0; i--) {
				batch.addAll(events.eventsOf(randomPayload(random)));
			}
			if (store != null) {
				store.insert(batch, Instant.now());
				continue;
			}
			try (Connection connection = schema.dataSource().getConnection()) {
				connection.setAutoCommit(false);
				for (UsageEvent event : batch) {
					RollupJobTests.insertOn(connection, schema, event);
				}
				Thread.sleep(random.nextInt(5, 30));
				if (random.nextInt(4) > 0) {
					connection.commit();
				}
				else {
					connection.rollback();
				}
				connection.setAutoCommit(true);
			}
		}
		return null;
	}

	/** Instants on whole seconds of a few hours, so several events often share one. */
	static UsagePayload randomPayload(ThreadLocalRandom random) {
		Instant at = MONTH.plus(HOURS[random.nextInt(HOURS.length)], ChronoUnit.HOURS)
			.plusSeconds(random.nextInt(4) * 900L + random.nextInt(2));
		UsagePayload payload = UsagePayload.builder(List.of("acme", "beta", "gamma").get(random.nextInt(3)), "use")
			.data(Map.of("model", List.of("a", "b", "c").get(random.nextInt(3)), "tokens", random.nextInt(1, 5000),
					"gb", BigDecimal.valueOf(random.nextLong(0, 100_000), 3), "user", "u-" + random.nextInt(12)))
			.occurredAt(at)
			.build();
		return payload;
	}

}
