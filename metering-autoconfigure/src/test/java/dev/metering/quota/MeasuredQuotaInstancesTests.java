package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.event.UsageRecorder;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.EventListener;

import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.instance;
import static dev.metering.quota.LeaseInstances.sendEach;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quotas of defined meters across instances (two application contexts on their own pools to one
 * database, many threads), through {@code UsageRecorder}: a unique-count quota admits exactly
 * its limit of distinct values and always the values it counted; a quota filtered on a
 * dimension value limits exactly those events and no other.
 */
class MeasuredQuotaInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final String[] SEATS = { "metering.meters[0].name=seats",
			"metering.meters[0].aggregation=unique-count", "metering.meters[0].value=/user",
			"metering.plans.free.quotas[1].meter=seats", "metering.plans.free.quotas[1].limit=20",
			"metering.plans.free.quotas[1].window=month", "metering.plans.free.quotas[1].enforcement=hard" };

	private static final String[] TOKENS = { "metering.meters[0].name=llm.tokens",
			"metering.meters[0].event-type=llm.completion", "metering.meters[0].value=/usage/total_tokens",
			"metering.meters[0].group-by.model=/model", "metering.plans.free.quotas[1].meter=llm.tokens",
			"metering.plans.free.quotas[1].limit=1000", "metering.plans.free.quotas[1].window=day",
			"metering.plans.free.quotas[1].enforcement=hard", "metering.plans.free.quotas[1].filter.model=gpt-4o" };

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twentySeatsOfTwentyFiveUsersOnTwoInstances(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			ApplicationContextRunner first = instance(schema, a, clock, 1_000_000, "day", SEATS);
			ApplicationContextRunner second = instance(schema, b, clock, 1_000_000, "day", SEATS);
			first.run((one) -> second.run((two) -> {
				ConfigurableApplicationContext[] instances = { one, two };
				Map<String, AtomicInteger> admitted = new ConcurrentHashMap<>();
				Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
				// 25 users, 8 calls each, interleaved over both instances and 32 threads.
				sendEach(200, 32, (i) -> instances[(i / 25) % 2], (i) -> "acme:u-" + (i % 25),
						(context, call) -> tally(seat(context, call), call, admitted, refused));
				assertThat(admitted).as("users admitted").hasSize(20);
				assertThat(refused).as("users refused").hasSize(5);
				assertThat(Set.copyOf(admitted.keySet())).doesNotContainAnyElementsOf(refused.keySet());
				admitted.values().forEach((calls) -> assertThat(calls).hasValue(8));

				// Later calls of the admitted users are always admitted, on either instance; the others never.
				Set<String> seated = Set.copyOf(admitted.keySet());
				List<String> users = List.copyOf(seated);
				int again = sendEach(400, 32, (i) -> instances[i % 2], (i) -> users.get(i % users.size()),
						MeasuredQuotaInstancesTests::seat);
				assertThat(again).isEqualTo(400);
				String late = refused.keySet().iterator().next();
				assertThat(sendEach(20, 4, (i) -> instances[i % 2], (i) -> late, MeasuredQuotaInstancesTests::seat))
					.isZero();

				flush(one);
				flush(two);
				assertThat(schema.jdbc()
					.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_distinct", Long.class))
					.isEqualTo(20);
				assertThat(schema.eventCount()).isEqualTo(20 * 8 + 400);
			}));
		}
	}

	/**
	 * Eight months in a row, 32 threads over two instances: each new month both instances insert its
	 * window and delete the rows of months ended over 63 days before, while the other admits. A
	 * failed statement of an admission must never fail open: each month seats exactly 20 users.
	 */
	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void eachNewMonthSeatsExactlyTwentyWhileEndedMonthsAreDeleted(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			ApplicationContextRunner first = instance(schema, a, clock, 1_000_000, "day", SEATS);
			ApplicationContextRunner second = instance(schema, b, clock, 1_000_000, "day", SEATS);
			first.run((one) -> second.run((two) -> {
				ConfigurableApplicationContext[] instances = { one, two };
				for (int month = 0; month < 8; month++) {
					Map<String, AtomicInteger> admitted = new ConcurrentHashMap<>();
					Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
					sendEach(100, 32, (i) -> instances[i % 2], (i) -> "acme:u-" + (i % 25),
							(context, call) -> tally(seat(context, call), call, admitted, refused));
					assertThat(admitted).as("users admitted in month " + month).hasSize(20);
					assertThat(refused).as("users refused in month " + month).hasSize(5);
					assertThat(Set.copyOf(admitted.keySet())).doesNotContainAnyElementsOf(refused.keySet());
					clock.advance(Duration.ofDays(32));
				}
				// The last clean-up (2027-07-05) kept the windows started after 2027-05-03: June's and July's.
				assertThat(schema.jdbc()
					.queryForList("SELECT window_start FROM " + schema.prefix() + "quota_admission ORDER BY window_start",
							Long.class))
					.containsExactly(Instant.parse("2027-06-01T00:00:00Z").getEpochSecond(),
							Instant.parse("2027-07-01T00:00:00Z").getEpochSecond());
				assertThat(schema.jdbc()
					.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_distinct", Long.class))
					.isEqualTo(40);
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aQuotaFilteredOnAModelLimitsExactlyThatModel(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			ApplicationContextRunner first = instance(schema, a, clock, 1_000_000, "day", TOKENS);
			ApplicationContextRunner second = instance(schema, b, clock, 1_000_000, "day", TOKENS);
			first.run((one) -> second.run((two) -> {
				ConfigurableApplicationContext[] instances = { one, two };
				AtomicInteger gpt4o = new AtomicInteger();
				AtomicInteger other = new AtomicInteger();
				// 10 tokens a call: 150 calls of gpt-4o against a limit of 1000 tokens, 150 of another model.
				sendEach(300, 32, (i) -> instances[i % 2], (i) -> (i % 2 == 0) ? "gpt-4o" : "gpt-4o-mini",
						(context, model) -> {
							boolean allowed = completion(context, "acme", model, 10);
							if (allowed) {
								(model.equals("gpt-4o") ? gpt4o : other).incrementAndGet();
							}
							return allowed;
						});
				assertThat(gpt4o).hasValue(100);
				assertThat(other).hasValue(150);
				QuotaDecision refused = check(one, "acme", "gpt-4o", 10);
				assertThat(refused.allowed()).isFalse();
				assertThat(refused.policyName()).isEqualTo("free-llm.tokens[model=gpt-4o]-day");
				assertThat(refused.policy().remaining()).isZero();
				assertThat(check(two, "globex", "gpt-4o", 10).allowed()).as("another tenant").isTrue();

				flush(one);
				flush(two);
				assertThat(schema.jdbc()
					.queryForObject("SELECT SUM(quantity) FROM " + schema.tables().usageEvent()
							+ " WHERE tenant_id = 'acme' AND meter = 'llm.tokens'", BigDecimal.class))
					.isEqualByComparingTo("2500");
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aFilteredReservationOfAFailedCallIsGivenBack(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a, clock, 1_000_000, "day", TOKENS).run((one) -> {
				for (int i = 0; i < 100; i++) {
					// Each call fails after its check: its 10 tokens go back.
					QuotaDecision decision = check(one, "acme", "gpt-4o", 10);
					assertThat(decision.allowed()).isTrue();
					decision.reservation().release();
				}
				assertThat(check(one, "acme", "gpt-4o", 1000).allowed()).isTrue();
				assertThat(check(one, "acme", "gpt-4o", 1).allowed()).isFalse();
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aSoftSeatQuotaNeverRefusesAndWarnsOnceAcrossInstances(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		AtomicInteger warnings = new AtomicInteger();
		String[] softSeats = { "metering.meters[0].name=seats", "metering.meters[0].aggregation=unique-count",
				"metering.meters[0].value=/user", "metering.plans.free.quotas[1].meter=seats",
				"metering.plans.free.quotas[1].limit=10", "metering.plans.free.quotas[1].enforcement=soft",
				"metering.plans.free.quotas[1].soft-threshold=0.5" };
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			ApplicationContextRunner first = instance(schema, a, clock, 1_000_000, "day", softSeats)
				.withBean(WarningCounter.class, () -> new WarningCounter(warnings));
			ApplicationContextRunner second = instance(schema, b, clock, 1_000_000, "day", softSeats)
				.withBean(WarningCounter.class, () -> new WarningCounter(warnings));
			first.run((one) -> second.run((two) -> {
				ConfigurableApplicationContext[] instances = { one, two };
				int admitted = sendEach(60, 16, (i) -> instances[i % 2], (i) -> "acme:u-" + (i % 20),
						MeasuredQuotaInstancesTests::seat);
				assertThat(admitted).as("a soft quota never refuses").isEqualTo(60);
				// 20 distinct users pass 5 (half of 10) once, on one instance.
				assertThat(warnings).hasValue(1);
				QuotaDecision status = one.getBean(QuotaEnforcementService.class)
					.status(List.of("acme"), "seats", clock.instant());
				assertThat(status.policy().used()).isEqualByComparingTo("20");
			}));
		}
	}

	@Test
	void aGaugeQuotaRefusesAValueOverItsLimitAndWarnsOncePerWindow() throws Exception {
		MutableClock clock = new MutableClock(NOW);
		AtomicInteger warnings = new AtomicInteger();
		try (TestSchema schema = TestDatabase.H2.newSchema(); HikariDataSource a = TestDatabase.H2.newDataSource(2)) {
			instance(schema, a, clock, 1_000_000, "day", "metering.meters[0].name=storage.gb",
					"metering.meters[0].aggregation=max", "metering.meters[0].value=/gb",
					"metering.plans.free.quotas[1].meter=storage.gb", "metering.plans.free.quotas[1].limit=100",
					"metering.plans.free.quotas[1].soft-threshold=0.8")
				.withBean(WarningCounter.class, () -> new WarningCounter(warnings))
				.run((one) -> {
					assertThat(gauge(one, 70)).isTrue();
					assertThat(warnings).hasValue(0);
					assertThat(gauge(one, 90)).isTrue();
					assertThat(gauge(one, 95)).isTrue();
					assertThat(warnings).as("once per window").hasValue(1);
					assertThat(gauge(one, 101)).isFalse();
					assertThat(gauge(one, 100)).isTrue();
				});
		}
	}

	private static boolean gauge(ConfigurableApplicationContext context, int gb) {
		return checkAndRecord(context, UsagePayload.builder("acme", "storage.gb")
			.data(Map.of("gb", gb))
			.occurredAt(context.getBean(QuotaEnforcementService.class).getClock().instant())
			.build());
	}

	/** A call of a user ({@code tenant:user}) of the seats meter, checked then recorded. */
	private static boolean seat(ConfigurableApplicationContext context, String call) {
		String tenant = call.substring(0, call.indexOf(':'));
		String user = call.substring(call.indexOf(':') + 1);
		return checkAndRecord(context, UsagePayload.builder(tenant, "seats")
			.data(Map.of("user", user))
			.occurredAt(context.getBean(QuotaEnforcementService.class).getClock().instant())
			.build());
	}

	private static boolean completion(ConfigurableApplicationContext context, String tenant, String model,
			int tokens) {
		return checkAndRecord(context, payload(context, tenant, model, tokens));
	}

	private static QuotaDecision check(ConfigurableApplicationContext context, String tenant, String model,
			int tokens) {
		UsagePayload payload = payload(context, tenant, model, tokens);
		return context.getBean(QuotaEnforcementService.class)
			.check(List.of(tenant), new MeterEvents(context.getBean(MeterDefinitions.class)).eventsOf(payload));
	}

	private static UsagePayload payload(ConfigurableApplicationContext context, String tenant, String model,
			int tokens) {
		return UsagePayload.builder(tenant, "llm.completion")
			.data(Map.of("model", model, "usage", Map.of("total_tokens", tokens)))
			.occurredAt(context.getBean(QuotaEnforcementService.class).getClock().instant())
			.build();
	}

	/** As an application does: the payload's events checked, then the payload recorded with the reservation. */
	private static boolean checkAndRecord(ConfigurableApplicationContext context, UsagePayload payload) {
		List<UsageEvent> events = new MeterEvents(context.getBean(MeterDefinitions.class)).eventsOf(payload);
		QuotaDecision decision = context.getBean(QuotaEnforcementService.class)
			.check(List.of(payload.tenantId()), events);
		if (!decision.allowed()) {
			return false;
		}
		decision.reservation().record(context.getBean(UsageRecorder.class), payload);
		return true;
	}

	private static boolean tally(boolean allowed, String user, Map<String, AtomicInteger> admitted,
			Map<String, AtomicInteger> refused) {
		(allowed ? admitted : refused).computeIfAbsent(user, (u) -> new AtomicInteger()).incrementAndGet();
		return allowed;
	}

	static final class WarningCounter {

		private final AtomicInteger warnings;

		WarningCounter(AtomicInteger warnings) {
			this.warnings = warnings;
		}

		@EventListener
		void warned(QuotaWarningEvent event) {
			this.warnings.incrementAndGet();
		}

	}

}
