package dev.metering.event;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.metering.internal.json.DimensionsJson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Invalid events are refused with the field named, and nothing of them is recorded.
 */
class UsageEventValidatorTests {

	private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

	private final UsageEventValidator validator = UsageEventValidator.standard(Clock.fixed(NOW, ZoneOffset.UTC),
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
	void meterNamesAreValidExactlyWhenTheyMatchTheDocumentedPattern() {
		Pattern documented = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
		char[] alphabet = "az09._-AZ /\u00e9\u0000".toCharArray();
		SplittableRandom random = new SplittableRandom(11);
		for (int i = 0; i < 100_000; i++) {
			char[] name = new char[random.nextInt(0, 6)];
			for (int c = 0; c < name.length; c++) {
				name[c] = alphabet[random.nextInt(alphabet.length)];
			}
			String meter = new String(name);
			boolean valid = documented.matcher(meter).matches();
			assertThat(UsageEventValidator.isValidMeterName(meter)).as("'%s'", meter).isEqualTo(valid);
			if (!meter.isEmpty()) {
				UsageEvent event = UsageEvent.builder("acme", meter).occurredAt(NOW).build();
				if (valid) {
					assertThatNoException().isThrownBy(() -> this.validator.validate(event));
				}
				else {
					assertThatExceptionOfType(InvalidUsageEventException.class)
						.isThrownBy(() -> this.validator.validate(event))
						.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("meter"));
				}
			}
		}
		assertThat(UsageEventValidator.isValidMeterName("m".repeat(128))).isTrue();
		assertThat(UsageEventValidator.isValidMeterName("m".repeat(129))).isFalse();
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

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidCallerFields")
	void kitBuiltEventsAreRefusedForWhatTheCallerSent(String field, UsageEvent event) {
		List<UsageEvent> sunk = new ArrayList<>();
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(this.validator, sunk::add);

		assertThatExceptionOfType(InvalidUsageEventException.class).isThrownBy(() -> recorder.recordBuiltByKit(event, HeldUsage.NONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo(field));
		assertThat(sunk).isEmpty();
	}

	static Stream<Arguments> invalidCallerFields() {
		return Stream.of(Arguments.of("tenantId", UsageEvent.builder(" ", "http.requests").build()),
				Arguments.of("tenantId", UsageEvent.builder("t".repeat(129), "http.requests").build()),
				Arguments.of("tenantId", UsageEvent.builder("ac\u0000me", "http.requests").build()),
				Arguments.of("tenantId", UsageEvent.builder("ac\uD800me", "http.requests").build()),
				Arguments.of("billingScopeId", UsageEvent.builder("acme", "http.requests").billingScopeId("").build()),
				Arguments.of("userId", UsageEvent.builder("acme", "http.requests").userId("u".repeat(257)).build()),
				Arguments.of("userId", UsageEvent.builder("acme", "http.requests").userId("\u0000").build()));
	}

	@Test
	void kitBuiltEventsWithValidCallerFieldsAreRecorded() {
		List<UsageEvent> sunk = new ArrayList<>();
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(this.validator, sunk::add);
		UsageEvent event = UsageEvent.builder("acme", "http.requests").userId("ann").build();

		recorder.recordBuiltByKit(event, HeldUsage.NONE);

		assertThat(sunk).containsExactly(event);
	}

	@Test
	void kitBuiltEventsGetTheWholeValidationOfAnApplicationsOwnValidator() {
		UsageEventValidator strict = new UsageEventValidator(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(35),
				BigDecimal.TEN) {

			@Override
			public void validate(UsageEvent event) {
				super.validate(event);
				if (event.userId() == null) {
					throw new InvalidUsageEventException("userId", "must be known here");
				}
			}

		};
		List<UsageEvent> sunk = new ArrayList<>();
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(strict, sunk::add);

		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> recorder.recordBuiltByKit(UsageEvent.builder("acme", "http.requests").occurredAt(NOW).build(), HeldUsage.NONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("userId"));
		assertThat(sunk).isEmpty();
	}

	@Test
	void kitBuiltEventsGetTheWholeValidationOfAValidatorTheApplicationMade() {
		Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
		UsageEvent tooOld = UsageEvent.builder("acme", "http.requests").occurredAt(NOW.minus(Duration.ofDays(40))).build();
		List<UsageEvent> sunk = new ArrayList<>();
		DefaultUsageRecorder own = new DefaultUsageRecorder(new UsageEventValidator(clock, Duration.ofDays(35),
				BigDecimal.TEN), sunk::add);

		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> own.recordBuiltByKit(tooOld, HeldUsage.NONE))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("occurredAt"));
		assertThat(sunk).isEmpty();

		// The kit's own validator leaves what the kit built to the kit: only the caller's fields.
		DefaultUsageRecorder kits = new DefaultUsageRecorder(UsageEventValidator.standard(clock, Duration.ofDays(35),
				BigDecimal.TEN), sunk::add);
		kits.recordBuiltByKit(tooOld, HeldUsage.NONE);
		assertThat(sunk).containsExactly(tooOld);
	}

	@Test
	void dimensionsJsonLengthIsMeasuredAsEncoded() {
		List<Map<String, String>> maps = List.of(Map.of(), Map.of("status", "200"),
				Map.of("q\"uote", "back\\slash"), Map.of("ctl", "a\u0001b\n\r\t"),
				new LinkedHashMap<>(Map.of("a", "1", "b", "2", "c", "\u00e9\uD83D\uDE00")));
		for (Map<String, String> map : maps) {
			String json = DimensionsJson.encode(map);
			assertThat(DimensionsJson.encodedLength(map)).as("%s", map).isEqualTo((json != null) ? json.length() : 0);
		}
	}

	@Test
	void dimensionsJustUnderAndOverTheJsonLimit() {
		// {"big":"..."} is 10 characters around the value.
		UsageEvent fits = UsageEvent.builder("acme", "tokens").occurredAt(NOW).dimension("big", "x".repeat(3990)).build();
		UsageEvent over = UsageEvent.builder("acme", "tokens").occurredAt(NOW).dimension("big", "\"".repeat(1996)).build();
		assertThatNoException().isThrownBy(() -> this.validator.validate(fits));
		assertThatExceptionOfType(InvalidUsageEventException.class).isThrownBy(() -> this.validator.validate(over))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("dimensions"));
	}

	@Test
	void aBuilderCopiesTheDimensionsItIsGiven() {
		Map<String, String> one = new HashMap<>(Map.of("status", "200"));
		UsageEvent.Builder builder = UsageEvent.builder("acme", "tokens").dimensions(one);
		one.put("status", "500");
		UsageEvent event = builder.dimension("region", "eu").build();

		assertThat(event.dimensions()).containsExactly(Map.entry("status", "200"),
				Map.entry("region", "eu"));
		Map<String, String> shared = Map.of("status", "200");
		assertThat(UsageEvent.builder("acme", "tokens").dimensions(shared).build().dimensions()).isSameAs(shared);
	}

}
