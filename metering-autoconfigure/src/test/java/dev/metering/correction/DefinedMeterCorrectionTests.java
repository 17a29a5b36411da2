package dev.metering.correction;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.event.CorrectionException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import dev.metering.rollup.MeterRollupReader;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Corrections of defined meters: a {@code sum} meter's group cell is the corrected sum once
 * folded, a {@code max} meter's cell the maximum of the corrected events (recomputed, not a sum of
 * rows); a correction of a defined meter's event whose period has closed is refused, and nothing
 * is appended.
 */
class DefinedMeterCorrectionTests {

	private static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");

	private static final MeterDefinitions METERS = MeterDefinitions.of(List.of(
			MeterDefinition.builder("t.tokens", Aggregation.SUM).eventType("use").value("/tokens")
				.groupBy("model", "/model").build(),
			MeterDefinition.builder("t.gb.max", Aggregation.MAX).eventType("use").value("/gb").build()));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aSumMetersGroupIsTheCorrectedSumAndAMaxMetersTheCorrectedMaximum(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			MeterEvents events = new MeterEvents(METERS);
			List<UsageEvent> batch = new ArrayList<>();
			for (int tokens : new int[] { 10, 25, 40 }) {
				events.eventsOf(UsagePayload.builder("acme", "use")
					.data(Map.of("model", "a", "tokens", tokens, "gb", tokens / 5))
					.occurredAt(MONTH.plusSeconds(3 * 3600 + tokens))
					.build()).forEach((event) -> batch.add(event.withBillingScope("acme")));
			}
			store.insert(batch, clock.instant());
			RollupJob rollup = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(),
					RollupSettings.defaults(), Clock.systemUTC(), () -> METERS);
			rollup.rollupNow();
			LedgerCorrections corrections = new LedgerCorrections(schema.dataSource(), schema::dialect,
					schema.tables(), clock, Duration.ofDays(35), Duration.ofMillis(100), List::of, () -> METERS);
			List<UsageEvent> tokens = batch.stream().filter((e) -> e.meter().equals("t.tokens")).toList();
			corrections.correct("acme", tokens.get(1).eventId(), new BigDecimal("5"), "ops", "");
			corrections.voidEvent("acme", tokens.get(2).eventId(), "ops", "");
			List<UsageEvent> gauges = batch.stream().filter((e) -> e.meter().equals("t.gb.max")).toList();
			// gb 2, 5, 8: the largest voided, the smallest corrected up, so 7 is the maximum.
			corrections.voidEvent("acme", gauges.get(2).eventId(), "ops", "");
			corrections.correct("acme", gauges.get(0).eventId(), new BigDecimal("7"), "ops", "");
			rollup.rollupNow();

			// Once December's close has passed, a defined meter's November event is refused.
			LedgerCorrections later = new LedgerCorrections(schema.dataSource(), schema::dialect, schema.tables(),
					new MutableClock(Instant.parse("2027-01-10T00:00:00Z")), Duration.ofDays(35), Duration.ofMillis(100),
					List::of, () -> METERS);
			long rows = schema.eventCount();
			assertThatExceptionOfType(CorrectionException.class)
				.isThrownBy(() -> later.voidEvent("acme", gauges.get(1).eventId(), "ops", ""))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(CorrectionException.Reason.CONFLICT))
				.withMessageContaining("closed");
			assertThat(schema.eventCount()).isEqualTo(rows);

			MeterRollupReader reader = new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables());
			assertThat(reader.readBillingScope("acme", "t.tokens", MONTH, Instant.parse("2026-12-01T00:00:00Z"))
				.get(Map.of("model", "a"))
				.sum()).isEqualByComparingTo("15");
			assertThat(reader.readBillingScope("acme", "t.gb.max", MONTH, Instant.parse("2026-12-01T00:00:00Z"))
				.get(Map.of())
				.max()).isEqualByComparingTo("7");
		}
	}

}
