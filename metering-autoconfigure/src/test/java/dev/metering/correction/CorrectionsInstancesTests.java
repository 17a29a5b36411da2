package dev.metering.correction;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.event.Correction;
import dev.metering.event.CorrectionException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.UsageReader;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.METER;
import static dev.metering.quota.LeaseInstances.flush;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Voids and corrections on two instances (two application contexts on their own DataSources to
 * one database), some of events still in the other instance's writer buffer: the ledger, the
 * rollups per cell, the usage reads and the bills all equal the corrected usage, and a voided
 * event's budget of a hard quota can be used again on every instance.
 */
class CorrectionsInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final BillingPeriod NOVEMBER = BillingPeriod.monthOf(NOW);

	private static final List<String> TENANTS = List.of("acme", "globex");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void randomVoidsAndCorrectionsKeepRollupsUsageAndBillsEqualToTheCorrectedLedger(TestDatabase database)
			throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock, 1_000_000).run((one) -> instance(schema, b, clock, 1_000_000,
					// The second instance's events wait in its buffer while the corrections arrive.
					"metering.writer.flush-interval=1500ms")
				.run((two) -> {
					Random random = new Random(2811L + database.ordinal());
					List<UsageEvent> events = new ArrayList<>();
					Map<UsageEvent, Boolean> onTwo = new HashMap<>();
					for (int i = 0; i < 120; i++) {
						UsageEvent event = UsageEvent.builder(TENANTS.get(random.nextInt(2)), METER)
							.quantity(BigDecimal.valueOf(1 + random.nextInt(5000), 2))
							.occurredAt(NOW.minus(random.nextInt(4 * 24 * 60), ChronoUnit.MINUTES))
							.build();
						boolean second = random.nextBoolean();
						(second ? two : one).getBean(UsageRecorder.class).record(event);
						onTwo.put(event, second);
						events.add(event);
					}
					flush(one);
					one.getBean(RollupJob.class).rollupNow();
					assertThat(rows(schema)).as("some events still in the second instance's buffer").isLessThan(120);

					Map<UsageEvent, BigDecimal> expected = new ConcurrentHashMap<>();
					events.forEach((event) -> expected.put(event, event.quantity()));
					List<UsageEvent> touched = new ArrayList<>(events.subList(0, 60));
					List<Integer> plans = new ArrayList<>();
					List<BigDecimal> targets = new ArrayList<>();
					for (int i = 0; i < touched.size(); i++) {
						plans.add(random.nextInt(4));
						targets.add(BigDecimal.valueOf(random.nextInt(9000), 3));
					}
					ExecutorService pool = Executors.newFixedThreadPool(4);
					try {
						List<Future<?>> futures = new ArrayList<>();
						for (int i = 0; i < touched.size(); i++) {
							UsageEvent event = touched.get(i);
							int plan = plans.get(i);
							BigDecimal target = targets.get(i);
							// Any instance takes any event's correction, its own or the other's.
							UsageRecorder recorder = ((i % 2 == 0) ? one : two).getBean(UsageRecorder.class);
							futures.add(pool.submit(() -> {
								String tenant = event.tenantId();
								switch (plan) {
									case 0 -> {
										assertThat(recorder.voidEvent(tenant, event.eventId(), "t", "void").changed())
											.isTrue();
										assertThat(recorder.voidEvent(tenant, event.eventId(), "t", "again").changed())
											.isFalse();
										expected.put(event, BigDecimal.ZERO);
									}
									case 1 -> {
										recorder.correct(tenant, event.eventId(), target, "t", "correct");
										expected.put(event, target);
									}
									case 2 -> {
										recorder.correct(tenant, event.eventId(), target, "t", "correct");
										recorder.correct(tenant, event.eventId(), target, "t", "same again");
										recorder.voidEvent(tenant, event.eventId(), "t", "then void");
										expected.put(event, BigDecimal.ZERO);
									}
									default -> {
										recorder.correct(tenant, event.eventId(), target, "t", "up or down");
										recorder.correct(tenant, event.eventId(), event.quantity(), "t", "back");
										expected.put(event, event.quantity());
									}
								}
								return null;
							}));
						}
						for (Future<?> future : futures) {
							future.get();
						}
					}
					finally {
						pool.shutdownNow();
					}
					UsageEvent other = events.get(0);
					String stranger = other.tenantId().equals("acme") ? "globex" : "acme";
					assertThatExceptionOfType(CorrectionException.class)
						.isThrownBy(() -> one.getBean(UsageRecorder.class)
							.voidEvent(stranger, other.eventId(), "t", ""))
						.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(CorrectionException.Reason.OTHER_TENANT));
					flush(one);
					flush(two);
					one.getBean(RollupJob.class).rollupNow();

					assertCellsEqual(schema, expected);
					for (String tenant : TENANTS) {
						BigDecimal truth = expected.entrySet()
							.stream()
							.filter((e) -> e.getKey().tenantId().equals(tenant))
							.map(Map.Entry::getValue)
							.reduce(BigDecimal.ZERO, BigDecimal::add);
						for (ConfigurableApplicationContext instance : List.of(one, two)) {
							assertThat(instance.getBean(UsageReader.class)
								.billingScopeUsage(tenant, METER, NOVEMBER.from(), NOVEMBER.to()))
								.as("usage of %s", tenant)
								.isEqualByComparingTo(truth);
							BillingReport report = instance.getBean(BillingReportService.class).report(tenant, NOVEMBER);
							assertThat(report.lines().get(0).charge().quantity()).isEqualByComparingTo(truth);
							assertThat(report.lines().get(0).charge().amount())
								.isEqualByComparingTo(truth.multiply(new BigDecimal("0.01")).setScale(2, RoundingMode.HALF_UP));
							assertThat(report.adjustments()).isEmpty();
						}
					}
				}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aVoidedEventsBudgetCanBeUsedAgainOnEveryInstance(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock, 10).run((one) -> instance(schema, b, clock, 10).run((two) -> {
				List<UsageEvent> admitted = new ArrayList<>();
				for (int i = 0; i < 14; i++) {
					UsageEvent event = request((i % 2 == 0) ? one : two);
					if (event != null) {
						admitted.add(event);
					}
				}
				assertThat(admitted).hasSize(10);
				flush(one);
				flush(two);
				for (UsageEvent event : admitted.subList(0, 4)) {
					Correction voided = two.getBean(UsageRecorder.class)
						.voidEvent("acme", event.eventId(), "support", "refund");
					assertThat(voided.voided()).isTrue();
				}
				// Past the lease retry interval, both instances may lease the 4 units given back, no more.
				clock.set(NOW.plusSeconds(5));
				int again = 0;
				for (int i = 0; i < 12; i++) {
					again += (request((i % 2 == 0) ? one : two) != null) ? 1 : 0;
				}
				assertThat(again).isEqualTo(4);
				flush(one);
				flush(two);
				assertThat(one.getBean(UsageReader.class)
					.billingScopeUsage("acme", METER, NOVEMBER.from(), NOVEMBER.to())).isEqualByComparingTo("10");
			}));
		}
	}

	private static ApplicationContextRunner instance(TestSchema schema, javax.sql.DataSource dataSource,
			MutableClock clock, long limit, String... more) {
		return LeaseInstances.instance(schema, dataSource, clock, limit, "day", more)
			.withConfiguration(AutoConfigurations.of(MeteringBillingAutoConfiguration.class))
			.withPropertyValues("metering.billing.plans.free.currency=EUR",
					"metering.billing.plans.free.prices[0].meter=" + METER,
					"metering.billing.plans.free.prices[0].unit-price=0.01");
	}

	/** A request of acme as the filter makes it: checked, then recorded; {@code null} when refused. */
	private static UsageEvent request(ConfigurableApplicationContext instance) {
		QuotaDecision decision = instance.getBean(QuotaEnforcementService.class).check("acme", METER, 1);
		if (!decision.allowed()) {
			return null;
		}
		UsageEvent event = UsageEvent.builder("acme", METER).occurredAt(NOW).build();
		decision.reservation().record(instance.getBean(UsageRecorder.class), event);
		return event;
	}

	private static long rows(TestSchema schema) {
		return schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent(), Long.class);
	}

	/** Per (tenant, hour): Σ ledger (with its compensating rows) = Σ rollups = the corrected usage. */
	private static void assertCellsEqual(TestSchema schema, Map<UsageEvent, BigDecimal> expected) {
		Map<String, BigDecimal> truth = new HashMap<>();
		expected.forEach((event, quantity) -> truth.merge(cell(event.tenantId(), event.occurredAt()), quantity,
				BigDecimal::add));
		Map<String, BigDecimal> ledger = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, occurred_at, quantity FROM " + schema.tables().usageEvent(),
					(rs) -> {
						ledger.merge(cell(rs.getString(1), schema.dialect().readTimestamp(rs, 2)), rs.getBigDecimal(3),
								BigDecimal::add);
					});
		Map<String, BigDecimal> rollups = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, period_start, quantity FROM " + schema.tables().usageRollup(), (rs) -> {
				rollups.merge(cell(rs.getString(1), schema.dialect().readTimestamp(rs, 2)), rs.getBigDecimal(3),
						BigDecimal::add);
			});
		assertThat(ledger.keySet()).isEqualTo(truth.keySet());
		truth.forEach((cell, quantity) -> {
			assertThat(ledger.get(cell)).as("Σ ledger of %s", cell).isEqualByComparingTo(quantity);
			assertThat(rollups.getOrDefault(cell, BigDecimal.ZERO)).as("Σ rollups of %s", cell)
				.isEqualByComparingTo(quantity);
		});
	}

	private static String cell(String tenant, Instant at) {
		return tenant + "@" + at.truncatedTo(ChronoUnit.HOURS);
	}

}
