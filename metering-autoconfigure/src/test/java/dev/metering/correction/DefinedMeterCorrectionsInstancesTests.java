package dev.metering.correction;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.event.CorrectionException;
import dev.metering.event.UsagePayload;
import dev.metering.event.UsageRecorder;
import dev.metering.internal.json.DimensionsJson;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.LeaseInstances;
import dev.metering.rollup.MeterUsage;
import dev.metering.rollup.MeterUsageReader;
import dev.metering.rollup.RollupJob;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.flush;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Voids and corrections of defined meters whose cells are not sums ({@code count}, {@code max},
 * {@code min}, {@code latest}, {@code unique-count}; the counting ones can only be voided) on two
 * instances (two application contexts on their own DataSources), some of events still in the
 * other instance's buffer, while rollup jobs of both instances race: every hourly cell, every
 * hour, day and month the usage reader answers (before the last corrections are folded and
 * after) and every bill equal the aggregation computed here from the events at their corrected
 * values, voided events left out.
 */
class DefinedMeterCorrectionsInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final BillingPeriod NOVEMBER = BillingPeriod.monthOf(NOW);

	private static final List<String> TENANTS = List.of("acme", "globex");

	private static final List<String> MODELS = List.of("a", "b", "c");

	private static final String[] METER_PROPERTIES = { "metering.meters[0].name=c.count",
			"metering.meters[0].aggregation=count", "metering.meters[0].event-type=use",
			"metering.meters[0].group-by.model=/model", "metering.meters[1].name=c.max",
			"metering.meters[1].aggregation=max", "metering.meters[1].event-type=use", "metering.meters[1].value=/gb",
			"metering.meters[1].group-by.model=/model", "metering.meters[2].name=c.min",
			"metering.meters[2].aggregation=min", "metering.meters[2].event-type=use", "metering.meters[2].value=/gb",
			"metering.meters[3].name=c.latest", "metering.meters[3].aggregation=latest",
			"metering.meters[3].event-type=use", "metering.meters[3].value=/gb",
			"metering.meters[3].group-by.model=/model", "metering.meters[4].name=c.users",
			"metering.meters[4].aggregation=unique-count", "metering.meters[4].event-type=use",
			"metering.meters[4].value=/user", "metering.meters[4].group-by.model=/model" };

	private static final Map<String, BigDecimal> PRICES = Map.of("c.count", new BigDecimal("0.01"), "c.max",
			new BigDecimal("1.50"), "c.users", new BigDecimal("2.00"));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void everyCellReadAndBillIsTheAggregationOfTheCorrectedLedger(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock).run((one) -> instance(schema, b, clock,
					// The second instance's events wait in its buffer while the corrections arrive.
					"metering.writer.flush-interval=1500ms")
				.run((two) -> {
					MeterDefinitions meters = one.getBean(MeterDefinitions.class);
					Random random = new Random(2812L + database.ordinal());
					List<Event> events = new ArrayList<>();
					for (int i = 0; i < 60; i++) {
						String tenant = TENANTS.get(random.nextInt(2));
						UsagePayload payload = UsagePayload.builder(tenant, "use")
							.data(Map.of("model", MODELS.get(random.nextInt(3)), "gb", 1 + random.nextInt(50), "user",
									"u" + random.nextInt(12)))
							.occurredAt(NOW.minus(random.nextInt(3 * 24 * 60), ChronoUnit.MINUTES))
							.dedupKey("k" + i)
							.build();
						(random.nextBoolean() ? two : one).getBean(UsageRecorder.class).record(payload);
						for (MeterDefinition definition : meters.all()) {
							Map<String, Object> data = payload.data();
							BigDecimal value = (definition.aggregation() == Aggregation.COUNT
									|| definition.aggregation() == Aggregation.UNIQUE_COUNT) ? BigDecimal.ONE
											: new BigDecimal(data.get("gb").toString());
							events.add(new Event(definition, tenant, payload.eventIdFor(definition.name()).toString(),
									payload.occurredAt(), (String) data.get("model"), (String) data.get("user"), value));
						}
					}
					flush(one);
					one.getBean(RollupJob.class).rollupNow();

					// Corrections from both instances while both instances' rollup jobs fold.
					List<Event> touched = new ArrayList<>();
					events.forEach((event) -> {
						if (random.nextInt(3) == 0) {
							touched.add(event);
						}
					});
					List<Integer> plans = touched.stream().map((e) -> random.nextInt(4)).toList();
					List<BigDecimal> targets = touched.stream()
						.map((e) -> BigDecimal.valueOf(random.nextInt(60_000), 3))
						.toList();
					int late = touched.size() - 8;
					AtomicBoolean folding = new AtomicBoolean(true);
					ExecutorService pool = Executors.newFixedThreadPool(6);
					try {
						List<Future<?>> rollups = new ArrayList<>();
						for (ConfigurableApplicationContext instance : List.of(one, two)) {
							rollups.add(pool.submit(() -> {
								while (folding.get()) {
									instance.getBean(RollupJob.class).rollupNow();
								}
								return null;
							}));
						}
						List<Future<?>> futures = new ArrayList<>();
						for (int i = 0; i < late; i++) {
							UsageRecorder recorder = ((i % 2 == 0) ? one : two).getBean(UsageRecorder.class);
							Event event = touched.get(i);
							int plan = plans.get(i);
							BigDecimal target = targets.get(i);
							futures.add(pool.submit(() -> apply(recorder, event, plan, target)));
						}
						for (Future<?> future : futures) {
							future.get();
						}
						folding.set(false);
						for (Future<?> rollup : rollups) {
							rollup.get();
						}
					}
					finally {
						pool.shutdownNow();
					}
					// The last corrections stay unfolded while the usage is read.
					for (int i = late; i < touched.size(); i++) {
						apply(two.getBean(UsageRecorder.class), touched.get(i), plans.get(i), targets.get(i));
					}
					flush(one);
					flush(two);
					MeterUsageReader reader = new MeterUsageReader(a, schema::dialect, schema.tables());
					assertReads(reader, meters, events);

					one.getBean(RollupJob.class).rollupNow();
					assertReads(reader, meters, events);
					assertCells(schema, events);
					for (String tenant : TENANTS) {
						BillingReport report = two.getBean(BillingReportService.class).report(tenant, NOVEMBER);
						for (BillingReport.Line line : report.lines()) {
							String meter = line.price().meter();
							BigDecimal found = truth(events, meter, tenant, null, NOVEMBER.from(), NOVEMBER.to());
							BigDecimal truth = (found != null) ? found : BigDecimal.ZERO;
							assertThat(line.charge().quantity()).as("billed %s of %s", meter, tenant)
								.isEqualByComparingTo(truth);
							assertThat(line.charge().amount()).as("amount of %s of %s", meter, tenant)
								.isEqualByComparingTo(truth.multiply(PRICES.get(meter)).setScale(2, RoundingMode.HALF_UP));
						}
						assertThat(report.lines()).hasSize(PRICES.size());
					}
				}));
		}
	}

	/**
	 * Voids or corrects an event as planned, and keeps what it is now. An event of a meter that
	 * counts events ({@code count}, {@code unique-count}) can only be voided.
	 */
	private static Void apply(UsageRecorder recorder, Event event, int plan, BigDecimal target) {
		Aggregation aggregation = event.definition().aggregation();
		if (plan != 0 && (aggregation == Aggregation.COUNT || aggregation == Aggregation.UNIQUE_COUNT)) {
			assertThatExceptionOfType(CorrectionException.class)
				.isThrownBy(() -> recorder.correct(event.tenant(), event.id(), target, "t", "correct"))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(CorrectionException.Reason.CONFLICT));
			if (plan == 2) {
				assertThat(recorder.voidEvent(event.tenant(), event.id(), "t", "void").changed()).isTrue();
				event.voided = true;
			}
			return null;
		}
		switch (plan) {
			case 0 -> {
				assertThat(recorder.voidEvent(event.tenant(), event.id(), "t", "void").changed()).isTrue();
				event.voided = true;
			}
			case 1 -> {
				recorder.correct(event.tenant(), event.id(), target, "t", "correct");
				event.value = target;
			}
			case 2 -> {
				recorder.correct(event.tenant(), event.id(), target, "t", "correct");
				recorder.voidEvent(event.tenant(), event.id(), "t", "then void");
				event.voided = true;
			}
			default -> {
				recorder.correct(event.tenant(), event.id(), target, "t", "up or down");
				recorder.correct(event.tenant(), event.id(), event.original, "t", "back");
			}
		}
		return null;
	}

	/** Month, days and hours of every meter and tenant, by model where grouped: the reader equals the truth. */
	private static void assertReads(MeterUsageReader reader, MeterDefinitions meters, List<Event> events) {
		TreeSet<Instant> days = new TreeSet<>();
		TreeSet<Instant> hours = new TreeSet<>();
		for (Instant day = NOVEMBER.from(); day.isBefore(NOVEMBER.to()); day = day.plus(1, ChronoUnit.DAYS)) {
			days.add(day);
		}
		events.forEach((event) -> hours.add(event.at().truncatedTo(ChronoUnit.HOURS)));
		hours.add(NOVEMBER.from());
		for (MeterDefinition definition : meters.all()) {
			List<String> groupBy = definition.groupBy().isEmpty() ? List.of() : List.of("model");
			for (String tenant : TENANTS) {
				for (TreeSet<Instant> buckets : List.of(days, hours)) {
					MeterUsage usage = reader.tenantUsage(definition, tenant, new MeterUsageReader.Query(
							NOVEMBER.from(), NOVEMBER.to(), buckets, groupBy, Map.of()));
					Map<String, Map<String, BigDecimal>> read = new HashMap<>();
					Map<String, Map<String, BigDecimal>> truth = new HashMap<>();
					usage.groups().forEach((group, series) -> {
						String model = group.getOrDefault("model", "");
						read.computeIfAbsent(model, (m) -> new HashMap<>()).put("total", series.total());
						series.buckets().forEach((bucket, value) -> read.get(model).put(bucket.toString(), value));
					});
					for (String model : groupBy.isEmpty() ? List.of("") : MODELS) {
						String filter = groupBy.isEmpty() ? null : model;
						BigDecimal total = truth(events, definition.name(), tenant, filter, NOVEMBER.from(),
								NOVEMBER.to());
						if (total == null) {
							continue;
						}
						Map<String, BigDecimal> series = truth.computeIfAbsent(model, (m) -> new HashMap<>());
						series.put("total", total);
						for (Instant bucket : buckets) {
							Instant end = (buckets.higher(bucket) != null) ? buckets.higher(bucket) : NOVEMBER.to();
							BigDecimal value = truth(events, definition.name(), tenant, filter, bucket, end);
							if (value != null) {
								series.put(bucket.toString(), value.stripTrailingZeros());
							}
						}
					}
					assertThat(normalized(read)).as("%s of %s by %s", definition.name(), tenant,
							(buckets == days) ? "day" : "hour")
						.isEqualTo(normalized(truth));
				}
			}
		}
	}

	private static Map<String, Map<String, String>> normalized(Map<String, Map<String, BigDecimal>> values) {
		Map<String, Map<String, String>> normalized = new HashMap<>();
		values.forEach((group, series) -> {
			Map<String, String> plain = new HashMap<>();
			series.forEach((key, value) -> plain.put(key, value.stripTrailingZeros().toPlainString()));
			normalized.put(group, plain);
		});
		return normalized;
	}

	/** Each hourly cell of the group rollups: count, min, max and latest of the corrected events. */
	private static void assertCells(TestSchema schema, List<Event> events) {
		Map<String, String> stored = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, meter, period_start, group_values, event_count, min_value, max_value, "
					+ "latest_value FROM " + schema.prefix() + "meter_rollup", (rs) -> {
						String meter = rs.getString(2);
						String model = DimensionsJson.decode(rs.getString(4)).getOrDefault("model", "");
						String key = rs.getString(1) + "/" + meter + "/" + model + "/"
								+ schema.dialect().readTimestamp(rs, 3);
						stored.put(key, cellText(meter, rs.getLong(5), rs.getBigDecimal(6), rs.getBigDecimal(7),
								rs.getBigDecimal(8)));
					});
		Map<String, List<Event>> byCell = new LinkedHashMap<>();
		for (Event event : events) {
			if (!event.voided) {
				String model = event.definition().groupBy().isEmpty() ? "" : event.model();
				byCell.computeIfAbsent(event.tenant() + "/" + event.definition().name() + "/" + model + "/"
						+ event.at().truncatedTo(ChronoUnit.HOURS), (k) -> new ArrayList<>()).add(event);
			}
		}
		Map<String, String> truth = new HashMap<>();
		byCell.forEach((cell, of) -> {
			Event latest = of.stream()
				.max((x, y) -> (x.at().equals(y.at())) ? x.idText().compareTo(y.idText()) : x.at().compareTo(y.at()))
				.orElseThrow();
			truth.put(cell, cellText(of.get(0).definition().name(), of.size(),
					of.stream().map((e) -> e.value).min(BigDecimal::compareTo).orElseThrow(),
					of.stream().map((e) -> e.value).max(BigDecimal::compareTo).orElseThrow(), latest.value));
		});
		assertThat(stored).isEqualTo(truth);
	}

	private static String cellText(String meter, long count, BigDecimal min, BigDecimal max, BigDecimal latest) {
		if (meter.equals("c.count") || meter.equals("c.users")) {
			return "count " + count;
		}
		return "count " + count + " min " + min.stripTrailingZeros().toPlainString() + " max "
				+ max.stripTrailingZeros().toPlainString() + " latest " + latest.stripTrailingZeros().toPlainString();
	}

	/**
	 * The aggregation of a meter's not voided events of a tenant (and model) in [from, to), at
	 * their corrected values; {@code null} when there are none.
	 */
	private static BigDecimal truth(List<Event> events, String meter, String tenant, String model, Instant from,
			Instant to) {
		List<Event> of = events.stream()
			.filter((e) -> e.definition().name().equals(meter) && e.tenant().equals(tenant) && !e.voided
					&& (model == null || e.model().equals(model)) && !e.at().isBefore(from) && e.at().isBefore(to))
			.toList();
		if (of.isEmpty()) {
			return null;
		}
		return switch (of.get(0).definition().aggregation()) {
			case COUNT -> BigDecimal.valueOf(of.size());
			case MAX -> of.stream().map((e) -> e.value).max(BigDecimal::compareTo).orElseThrow();
			case MIN -> of.stream().map((e) -> e.value).min(BigDecimal::compareTo).orElseThrow();
			case LATEST -> of.stream()
				.max((x, y) -> (x.at().equals(y.at())) ? x.idText().compareTo(y.idText()) : x.at().compareTo(y.at()))
				.orElseThrow().value;
			case UNIQUE_COUNT -> BigDecimal.valueOf(of.stream().map(Event::user).distinct().count());
			case SUM -> of.stream().map((e) -> e.value).reduce(BigDecimal.ZERO, BigDecimal::add);
		};
	}

	private static ApplicationContextRunner instance(TestSchema schema, javax.sql.DataSource dataSource,
			MutableClock clock, String... more) {
		List<String> properties = new ArrayList<>(List.of(METER_PROPERTIES));
		properties.add("metering.billing.plans.free.currency=EUR");
		int i = 0;
		for (Map.Entry<String, BigDecimal> price : new java.util.TreeMap<>(PRICES).entrySet()) {
			properties.add("metering.billing.plans.free.prices[" + i + "].meter=" + price.getKey());
			properties.add("metering.billing.plans.free.prices[" + i + "].unit-price=" + price.getValue());
			i++;
		}
		properties.addAll(List.of(more));
		return LeaseInstances.instance(schema, dataSource, clock, 1_000_000, "day")
			.withConfiguration(AutoConfigurations.of(MeteringBillingAutoConfiguration.class))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	/** One meter's event of a payload, with its value as corrected so far. */
	private static final class Event {

		private final MeterDefinition definition;

		private final String tenant;

		private final String id;

		private final Instant at;

		private final String model;

		private final String user;

		private final BigDecimal original;

		private volatile BigDecimal value;

		private volatile boolean voided;

		Event(MeterDefinition definition, String tenant, String id, Instant at, String model, String user,
				BigDecimal value) {
			this.definition = definition;
			this.tenant = tenant;
			this.id = id;
			this.at = at;
			this.model = model;
			this.user = user;
			this.original = value;
			this.value = value;
		}

		MeterDefinition definition() {
			return this.definition;
		}

		String tenant() {
			return this.tenant;
		}

		java.util.UUID id() {
			return java.util.UUID.fromString(this.id);
		}

		String idText() {
			return this.id.toLowerCase(Locale.ROOT);
		}

		Instant at() {
			return this.at;
		}

		String model() {
			return this.model;
		}

		String user() {
			return this.user;
		}

	}

}
