package dev.metering.meter;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.BillingAttribution;
import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventSink;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsagePayload;
import dev.metering.event.UsageSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A payload makes one event per meter that reads its type, with what each definition reads in
 * its quantity and dimensions, and ids derived from its dedup key; without a definition, the
 * event it made before definitions existed.
 */
class MeterEventsTests {

	private static final Instant at = Instant.parse("2026-03-04T05:06:07Z");

	private final MeterDefinitions definitions = MeterDefinitions.of(List.of(
			MeterDefinition.builder("llm.tokens", Aggregation.SUM).eventType("llm.completion")
				.value("/usage/total_tokens").groupBy("model", "/model").build(),
			MeterDefinition.builder("llm.users", Aggregation.UNIQUE_COUNT).eventType("llm.completion")
				.value("/user").build(),
			MeterDefinition.builder("storage.gb", Aggregation.MAX).value("/gb").build()));

	private final MeterEvents events = new MeterEvents(this.definitions);

	@Test
	void onePayloadMakesOneEventPerMeterReadingItsType() {
		List<UsageEvent> made = this.events.eventsOf(completion("acme", "gpt-4o", 300, "u-1").dedupKey("src/1").build());

		assertThat(made).extracting(UsageEvent::meter).containsExactly("llm.tokens", "llm.users");
		UsageEvent tokens = made.get(0);
		assertThat(tokens.quantity()).isEqualByComparingTo("300");
		assertThat(tokens.dimensions()).containsExactly(Map.entry("team", "red"), Map.entry("model", "gpt-4o"));
		assertThat(tokens.occurredAt()).isEqualTo(at);
		assertThat(tokens.source()).isEqualTo(UsageSource.API);
		UsageEvent users = made.get(1);
		assertThat(users.quantity()).isEqualByComparingTo("1");
		assertThat(users.dimensions()).containsEntry(MeterDefinition.UNIQUE_VALUE_DIMENSION, "u-1");
	}

	@Test
	void theSameDedupKeyGivesTheSameEventIdsOnePerMeter() {
		List<UsageEvent> first = this.events.eventsOf(completion("acme", "a", 1, "u").dedupKey("src/1").build());
		List<UsageEvent> again = this.events.eventsOf(completion("acme", "a", 1, "u").dedupKey("src/1").build());
		List<UsageEvent> other = this.events.eventsOf(completion("acme", "a", 1, "u").dedupKey("src/2").build());
		List<UsageEvent> otherTenant = this.events.eventsOf(completion("beta", "a", 1, "u").dedupKey("src/1").build());
		List<UsageEvent> unkeyed = this.events.eventsOf(completion("acme", "a", 1, "u").build());

		assertThat(again).extracting(UsageEvent::eventId).isEqualTo(first.stream().map(UsageEvent::eventId).toList());
		assertThat(first.get(0).eventId()).isNotEqualTo(first.get(1).eventId());
		assertThat(other.get(0).eventId()).isNotEqualTo(first.get(0).eventId());
		assertThat(otherTenant.get(0).eventId()).isNotEqualTo(first.get(0).eventId());
		assertThat(unkeyed.get(0).eventId()).isNotEqualTo(first.get(0).eventId());
		assertThat(first.get(0).eventId().version()).isEqualTo(8);
	}

	@Test
	void aMeterNamedByTheTypeReadsItAndAnUndefinedTypeIsASumOfQuantity() {
		List<UsageEvent> storage = this.events
			.eventsOf(UsagePayload.builder("acme", "storage.gb").data(Map.of("gb", 7)).occurredAt(at).build());
		assertThat(storage).singleElement().satisfies((event) -> {
			assertThat(event.meter()).isEqualTo("storage.gb");
			assertThat(event.quantity()).isEqualByComparingTo("7");
		});

		List<UsageEvent> plain = this.events.eventsOf(
				UsagePayload.builder("acme", "reports.generated").quantity(5).dimension("kind", "pdf").build());
		assertThat(plain).singleElement().satisfies((event) -> {
			assertThat(event.meter()).isEqualTo("reports.generated");
			assertThat(event.quantity()).isEqualByComparingTo("5");
			assertThat(event.dimensions()).containsExactly(Map.entry("kind", "pdf"));
		});
	}

	@Test
	void aPayloadOneMeterCannotReadRecordsNothing() {
		List<UsageEvent> offered = new ArrayList<>();
		UsageEventSink sink = (event) -> offered.add(event);
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(
				UsageEventValidator.standard(Clock.fixed(at.plusSeconds(60), java.time.ZoneOffset.UTC), Duration.ofDays(30), new BigDecimal("1e12")), sink,
				BillingAttribution.SELF, this.events);

		// The tokens meter reads it; the users meter finds no /user.
		UsagePayload noUser = UsagePayload.builder("acme", "llm.completion")
			.data(Map.of("model", "a", "usage", Map.of("total_tokens", 3)))
			.build();
		assertThatExceptionOfType(InvalidUsageEventException.class).isThrownBy(() -> recorder.record(noUser))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/user"));
		assertThat(offered).isEmpty();

		recorder.record(completion("acme", "a", 3, "u-1").build());
		assertThat(offered).extracting(UsageEvent::meter).containsExactly("llm.tokens", "llm.users");
	}

	@Test
	void aRecorderOfTheApplicationsOwnRecordsAPayloadAsWithoutDefinitions() {
		List<UsageEvent> recorded = new ArrayList<>();
		dev.metering.event.UsageRecorder own = new dev.metering.event.UsageRecorder() {

			@Override
			public void record(UsageEvent event) {
				recorded.add(event);
			}

			@Override
			public void recordAll(java.util.Collection<UsageEvent> events) {
				recorded.addAll(events);
			}

		};
		own.record(completion("acme", "a", 3, "u").quantity(2).dedupKey("k").build());

		assertThat(recorded).singleElement().satisfies((event) -> {
			assertThat(event.meter()).isEqualTo("llm.completion");
			assertThat(event.quantity()).isEqualByComparingTo("2");
			assertThat(event.dimensions()).containsExactly(Map.entry("team", "red"));
		});
	}

	@Test
	void theReservedDimensionIsNotTheCallers() {
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> this.events.eventsOf(completion("acme", "a", 1, "u")
				.dimension(MeterDefinition.UNIQUE_VALUE_DIMENSION, "x")
				.build()))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("dimensions"));
	}

	private static UsagePayload.Builder completion(String tenant, String model, long tokens, String user) {
		return UsagePayload.builder(tenant, "llm.completion")
			.data(Map.of("model", model, "user", user, "usage", Map.of("total_tokens", tokens)))
			.dimension("team", "red")
			.occurredAt(at)
			.source(UsageSource.API);
	}

}
