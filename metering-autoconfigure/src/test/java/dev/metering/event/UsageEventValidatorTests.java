package dev.metering.event;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Invalid events are refused with the field named, and nothing of them is recorded.
 */
class UsageEventValidatorTests {

	private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

	private final UsageEventValidator validator = new UsageEventValidator(Clock.fixed(NOW, ZoneOffset.UTC),
			Duration.ofDays(35), new BigDecimal("1000000000000"));

	static Stream<Arguments> invalidEvents() {
		return Stream.of(invalid("tenantId", (b) -> UsageEvent.builder(" ", "http.requests")),
				invalid("tenantId", (b) -> UsageEvent.builder(null, "http.requests")),
				invalid("tenantId", (b) -> UsageEvent.builder("t".repeat(129), "http.requests")),
				invalid("meter", (b) -> UsageEvent.builder("acme", "")),
				invalid("meter", (b) -> UsageEvent.builder("acme", "HTTP.Requests")),
				invalid("meter", (b) -> UsageEvent.builder("acme", ".requests")),
				invalid("meter", (b) -> UsageEvent.builder("acme", "http requests")),
				invalid("meter", (b) -> UsageEvent.builder("acme", "m".repeat(129))),
				invalid("billingScopeId", (b) -> b.billingScopeId("")),
				invalid("quantity", (b) -> b.quantity(-1)),
				invalid("quantity", (b) -> b.quantity((BigDecimal) null)),
				invalid("quantity", (b) -> b.quantity(new BigDecimal("1000000000000.5"))),
				invalid("quantity", (b) -> b.quantity(new BigDecimal("0.0000000001"))),
				invalid("occurredAt", (b) -> b.occurredAt(NOW.plus(Duration.ofMinutes(6)))),
				invalid("occurredAt", (b) -> b.occurredAt(NOW.minus(Duration.ofDays(36)))),
				invalid("userId", (b) -> b.userId("u".repeat(257))),
				invalid("resource", (b) -> b.resource("r".repeat(513))),
				invalid("idempotencyKey", (b) -> b.idempotencyKey("  ")),
				invalid("idempotencyKey", (b) -> b.idempotencyKey("k".repeat(201))),
				invalid("source", (b) -> b.source(null)), invalid("dimensions", (b) -> b.dimension("", "x")),
				invalid("dimensions", (b) -> b.dimension("big", "x".repeat(4001))));
	}

	private static Arguments invalid(String field, UnaryOperator<UsageEvent.Builder> change) {
		return Arguments.of(field, change);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidEvents")
	void rejectsNamingTheField(String field, UnaryOperator<UsageEvent.Builder> change) {
		UsageEvent event = change.apply(UsageEvent.builder("acme", "http.requests").occurredAt(NOW)).build();

		assertThatExceptionOfType(InvalidUsageEventException.class).isThrownBy(() -> this.validator.validate(event))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo(field))
			.withMessageStartingWith(field + ": ");
	}

	@Test
	void nanAndInfiniteQuantitiesAreRefusedWhenBuilt() {
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> UsageEvent.builder("acme", "tokens").quantity(Double.NaN))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("quantity"));
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> UsageEvent.builder("acme", "tokens").quantity(Double.POSITIVE_INFINITY));
	}

	@Test
	void acceptsTheEdgesOfEveryRule() {
		UsageEvent event = UsageEvent.builder("t".repeat(128), "a.b_c-0")
			.quantity(new BigDecimal("1000000000000.000000000"))
			.occurredAt(NOW.plus(Duration.ofMinutes(5)))
			.idempotencyKey("k".repeat(200))
			.build();
		assertThatNoException().isThrownBy(() -> this.validator.validate(event));
		assertThatNoException().isThrownBy(() -> this.validator
			.validate(UsageEvent.builder("acme", "tokens").quantity(0).occurredAt(NOW.minus(Duration.ofDays(35))).build()));
	}

	@Test
	void anEventWithoutDimensionsIsValid() {
		assertThatNoException().isThrownBy(
				() -> this.validator.validate(UsageEvent.builder("acme", "exports.rows").occurredAt(NOW).build()));
	}

	@Test
	void recordAllRecordsNothingWhenOneEventIsInvalid() {
		List<UsageEvent> sunk = new ArrayList<>();
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(this.validator, sunk::add);
		List<UsageEvent> events = List.of(UsageEvent.builder("acme", "tokens").occurredAt(NOW).build(),
				UsageEvent.builder("acme", "Bad Meter").occurredAt(NOW).build());

		assertThatExceptionOfType(InvalidUsageEventException.class).isThrownBy(() -> recorder.recordAll(events))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("meter"));
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> recorder.record(events.get(1)));
		assertThat(sunk).isEmpty();
	}

}
