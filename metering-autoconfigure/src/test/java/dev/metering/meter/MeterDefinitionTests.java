package dev.metering.meter;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.event.InvalidUsageEventException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A meter definition is checked as it is made, naming the property at fault, and reads an
 * event's quantity, group values and counted value from its data, naming the field it cannot read.
 */
class MeterDefinitionTests {

	private static final MeterDefinition tokens = MeterDefinition.builder("llm.tokens", Aggregation.SUM)
		.eventType("llm.completion")
		.value("/usage/total_tokens")
		.groupBy("model", "/model")
		.unit("token")
		.build();

	@Test
	void readsTheValueAndTheGroupValuesFromTheData() {
		MeterReading reading = tokens.read(completion("gpt-4o", 1234), BigDecimal.ONE);

		assertThat(reading.quantity()).isEqualByComparingTo("1234");
		assertThat(reading.groups()).containsExactly(Map.entry("model", "gpt-4o"));
		assertThat(reading.uniqueValue()).isNull();
		assertThat(tokens.eventType()).isEqualTo("llm.completion");
	}

	@Test
	void eachAggregationTakesWhatItNeeds() {
		Map<String, Object> data = Map.of("gb", 12.5, "user", "u-7", "n", "42");
		assertThat(MeterDefinition.builder("storage", Aggregation.MAX).value("/gb").build().read(data, BigDecimal.TEN)
			.quantity()).isEqualByComparingTo("12.5");
		assertThat(MeterDefinition.builder("storage", Aggregation.LATEST).value("/n").build().read(data, BigDecimal.TEN)
			.quantity()).as("a number in a string, as OpenMeter reads it").isEqualByComparingTo("42");
		assertThat(MeterDefinition.builder("calls", Aggregation.COUNT).build().read(data, BigDecimal.TEN).quantity())
			.isEqualByComparingTo("1");
		assertThat(MeterDefinition.builder("calls", Aggregation.SUM).build().read(data, BigDecimal.TEN).quantity())
			.as("no value: the event's quantity, as without a definition").isEqualByComparingTo("10");
		MeterReading seat = MeterDefinition.builder("seats", Aggregation.UNIQUE_COUNT).value("/user").build()
			.read(data, BigDecimal.TEN);
		assertThat(seat.quantity()).isEqualByComparingTo("1");
		assertThat(seat.uniqueValue()).isEqualTo("u-7");
	}

	@Test
	void aMissingOrMistypedPropertyIsRefusedNamingTheField() {
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> tokens.read(Map.of("model", "a", "usage", Map.of()), BigDecimal.ONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/usage/total_tokens"))
			.withMessageContaining("missing");
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> tokens.read(Map.of("model", "a", "usage", Map.of("total_tokens", "many")), BigDecimal.ONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/usage/total_tokens"))
			.withMessageContaining("must be a number");
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> tokens.read(Map.of("model", List.of("a"), "usage", Map.of("total_tokens", 1)),
					BigDecimal.ONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/model"))
			.withMessageContaining("an array");
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> tokens.read(completion("a", -3), BigDecimal.ONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/usage/total_tokens"))
			.withMessageContaining("negative");
		Map<String, Object> nullModel = new LinkedHashMap<>(completion("a", 1));
		nullModel.put("model", null);
		assertThatExceptionOfType(InvalidUsageEventException.class).isThrownBy(() -> tokens.read(nullModel, BigDecimal.ONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/model"));
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> tokens.read(completion("x".repeat(MeterDefinition.MAX_VALUE_LENGTH + 1), 1), BigDecimal.ONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/model"));
	}

	@Test
	void pointersFollowRfc6901() {
		Map<String, Object> data = Map.of("a/b", Map.of("m~n", List.of(5, 7)));
		MeterDefinition escaped = MeterDefinition.builder("m", Aggregation.SUM).value("/a~1b/m~0n/1").build();
		assertThat(escaped.read(data, BigDecimal.ONE).quantity()).isEqualByComparingTo("7");
		MeterDefinition outOfRange = MeterDefinition.builder("m", Aggregation.SUM).value("/a~1b/m~0n/2").build();
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> outOfRange.read(data, BigDecimal.ONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("data/a~1b/m~0n/2"));
	}

	@Test
	void nonsenseDefinitionsAreRefusedNamingTheProperty() {
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM).value("usage/tokens"), "value", "starts with '/'");
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM).value(""), "value", "JSON Pointer");
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM).value("/a~2"), "value", "RFC 6901");
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM).groupBy("model", "model"), "group-by.model",
				"starts with '/'");
		assertRefused(() -> MeterDefinition.builder("seats", Aggregation.UNIQUE_COUNT).build(), "value", "unique-count");
		assertRefused(() -> MeterDefinition.builder("calls", Aggregation.COUNT).value("/n").build(), "value", "count");
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM)
			.groupBy(MeterDefinition.UNIQUE_VALUE_DIMENSION, "/u")
			.build(), "group-by." + MeterDefinition.UNIQUE_VALUE_DIMENSION, "reserved");
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM).groupBy("a b", "/u").build(), "group-by.a b",
				"dimension name");
		assertRefused(() -> MeterDefinition.builder("Bad Name", Aggregation.SUM).build(), "name", "meter name");
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM).maxGroups(0).build(), "max-groups", "between");
		assertRefused(() -> MeterDefinition.builder("m", Aggregation.SUM).eventType(" ").build(), "event-type", "blank");
	}

	@Test
	void aRefusalIsPlacedUnderItsParentProperty() {
		InvalidMeterDefinitionException ex = new InvalidMeterDefinitionException("value", "x", "why");
		assertThat(ex.under("metering.meters[2]").getProperty()).isEqualTo("metering.meters[2].value");
		assertThat(new InvalidMeterDefinitionException("[1].name", "m", "dup").under("metering.meters").getProperty())
			.isEqualTo("metering.meters[1].name");
	}

	@Test
	void definitionsAreFoundByMeterAndByEventType() {
		MeterDefinition count = MeterDefinition.builder("llm.calls", Aggregation.COUNT).eventType("llm.completion")
			.build();
		MeterDefinitions definitions = MeterDefinitions.of(List.of(tokens, count));

		assertThat(definitions.find("llm.tokens")).isEqualTo(tokens);
		assertThat(definitions.find("http.requests")).isNull();
		assertThat(definitions.forEventType("llm.completion")).containsExactly(tokens, count);
		assertThat(definitions.forEventType("llm.tokens")).isEmpty();
		assertThat(definitions.all()).containsExactly(tokens, count);
		assertThatExceptionOfType(InvalidMeterDefinitionException.class)
			.isThrownBy(() -> MeterDefinitions.of(List.of(tokens, count, tokens)))
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("[2].name"));
	}

	private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable definition, String property,
			String reason) {
		assertThatExceptionOfType(InvalidMeterDefinitionException.class).isThrownBy(definition)
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo(property))
			.satisfies((ex) -> assertThat(ex.getReason()).contains(reason));
	}

	static Map<String, Object> completion(String model, long tokens) {
		return Map.of("model", model, "usage", Map.of("total_tokens", tokens, "prompt_tokens", 1));
	}

}
