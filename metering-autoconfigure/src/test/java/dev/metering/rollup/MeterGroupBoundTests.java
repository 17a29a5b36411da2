package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 * {@code max-groups}: a tenant's meter keeps at most that many groups a month, the first ones in
 * ledger order; usage of any further group is counted under the overflow group
 * ({@code __other__}), so rows stay bounded and nothing is lost. Each month starts afresh, and
 * each tenant has its own bound.
 */
class MeterGroupBoundTests {

	private static final Instant OCTOBER = Instant.parse("2026-10-05T10:15:00Z");

	private static final Instant NOVEMBER = Instant.parse("2026-11-05T10:15:00Z");

	private static final MeterDefinitions meters = MeterDefinitions.of(List.of(
			MeterDefinition.builder("tokens", Aggregation.SUM).value("/n").groupBy("model", "/model").maxGroups(2)
				.build(),
			MeterDefinition.builder("seats", Aggregation.UNIQUE_COUNT).value("/user").groupBy("model", "/model")
				.maxGroups(2).build()));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void groupsBeyondTheBoundAddUpUnderTheOverflowGroup(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = RollupJobTests.store(schema);
			RollupJob job = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(),
					new RollupSettings(3, Duration.ofMinutes(10)), Clock.systemUTC(), () -> meters);
			// Two batches of the job: a, b fill the bound; c, d, e overflow, whatever batch they fold in.
			store.insert(events("acme", OCTOBER, "a", "b", "c"), Instant.now());
			job.rollupNow();
			store.insert(events("acme", OCTOBER, "d", "a", "e", "c"), Instant.now());
			store.insert(events("beta", OCTOBER, "e", "d", "c"), Instant.now());
			store.insert(events("acme", NOVEMBER, "e", "c", "a"), Instant.now());
			job.rollupNow();

			MeterRollupReader reader = new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables());
			Instant month = MeterFold.monthOf(OCTOBER);
			Instant next = MeterFold.monthOf(NOVEMBER);
			Map<Map<String, String>, MeterGroupUsage> october = reader.read("acme", "tokens", month, next);
			assertThat(october).containsOnlyKeys(Map.of("model", "a"), Map.of("model", "b"),
					Map.of("model", MeterDefinition.OVERFLOW_GROUP_VALUE));
			assertThat(october.get(Map.of("model", "a")).sum()).isEqualByComparingTo("20");
			assertThat(october.get(Map.of("model", "b")).sum()).isEqualByComparingTo("10");
			assertThat(october.get(Map.of("model", MeterDefinition.OVERFLOW_GROUP_VALUE)).sum())
				.as("c, d, e, c").isEqualByComparingTo("40");
			assertThat(reader.uniqueCounts("acme", "seats", month, next)).containsExactlyInAnyOrderEntriesOf(Map.of(
					Map.of("model", "a"), 1L, Map.of("model", "b"), 1L,
					Map.of("model", MeterDefinition.OVERFLOW_GROUP_VALUE), 3L));

			assertThat(reader.read("beta", "tokens", month, next)).as("another tenant's bound")
				.containsOnlyKeys(Map.of("model", "e"), Map.of("model", "d"),
						Map.of("model", MeterDefinition.OVERFLOW_GROUP_VALUE));
			assertThat(reader.read("acme", "tokens", next, next.plus(Duration.ofDays(30)))).as("a new month")
				.containsOnlyKeys(Map.of("model", "e"), Map.of("model", "c"),
						Map.of("model", MeterDefinition.OVERFLOW_GROUP_VALUE));
			Long groups = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.tables().meterGroup()
					+ " WHERE tenant_id = 'acme' AND meter = 'tokens'", Long.class);
			assertThat(groups).as("two groups and the overflow group a month, October and November").isEqualTo(6);
		}
	}

	/** One event per model, quantity 10, each model's user "u-" + model. */
	private static List<UsageEvent> events(String tenant, Instant at, String... models) {
		MeterEvents events = new MeterEvents(meters);
		List<UsageEvent> all = new ArrayList<>();
		for (String model : models) {
			all.addAll(events.eventsOf(UsagePayload.builder(tenant, "tokens")
				.data(Map.of("model", model, "n", BigDecimal.TEN, "user", "u-" + model))
				.occurredAt(at)
				.build()));
			all.addAll(events.eventsOf(UsagePayload.builder(tenant, "seats")
				.data(Map.of("model", model, "user", "u-" + model))
				.occurredAt(at)
				.build()));
		}
		return all;
	}

}
