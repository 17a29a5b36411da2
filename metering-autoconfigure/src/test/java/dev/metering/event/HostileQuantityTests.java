package dev.metering.event;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Numbers built to be expanded: a billion-digit exponent, 100,000 digits, both at once. The
 * validator (and so {@link DefaultUsageRecorder}) refuses each by field in well under 10 ms with
 * a short message, before any arithmetic; the sink never sees it. Numbers the ledger holds, with
 * trailing zeros or none, still pass.
 */
class HostileQuantityTests {

	private final UsageEventValidator validator = new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35),
			new BigDecimal("1e12"));

	static Stream<BigDecimal> hostile() {
		BigInteger hundredThousandDigits = BigInteger.TEN.pow(100_000).subtract(BigInteger.ONE);
		return Stream.of(new BigDecimal("1e999999999"), new BigDecimal("-1e999999999"), new BigDecimal("1e-999999999"),
				new BigDecimal("-1e-999999999"), new BigDecimal("1e2147483647"), new BigDecimal("1e-2147483647"),
				new BigDecimal("0e999999999"), new BigDecimal("0e-999999999"), new BigDecimal("1e29"),
				new BigDecimal("1.0000000001"), new BigDecimal(hundredThousandDigits),
				new BigDecimal(hundredThousandDigits, 999_999_999), new BigDecimal(hundredThousandDigits.negate(), -999_999_999),
				new BigDecimal(BigInteger.ONE.shiftLeft(214), 200));
	}

	@ParameterizedTest
	@MethodSource("hostile")
	void aQuantityOutsideTheLedgerIsRefusedByFieldQuicklyWithAShortMessage(BigDecimal quantity) {
		UsageEvent event = UsageEvent.builder("acme", "api.calls").quantity(quantity).build();
		List<UsageEvent> offered = new ArrayList<>();
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(this.validator, (e) -> offered.add(e));
		for (int warm = 0; warm < 3; warm++) {
			catchThrowable(() -> this.validator.validate(event));
		}
		long start = System.nanoTime();
		Throwable refusal = catchThrowable(() -> recorder.record(event));
		long micros = (System.nanoTime() - start) / 1_000;
		assertThat(refusal).isInstanceOfSatisfying(InvalidUsageEventException.class, (ex) -> {
			assertThat(ex.getField()).isEqualTo("quantity");
			assertThat(ex.getMessage()).hasSizeLessThan(200);
		});
		assertThat(micros).as("microseconds to refuse").isLessThan(10_000);
		assertThat(offered).isEmpty();
		assertThat(UsageEventValidator.quantityProblem(quantity)).isNotNull();
		assertThat(UsageEventValidator.abbreviate(quantity)).hasSizeLessThan(100);
	}

	@Test
	void quantitiesTheLedgerHoldsStillPass() {
		for (String text : List.of("0", "-0", "0.0", "0.000000000000", "0e5", "1", "1.5", "1.50000000000000000000",
				"0.000000001", "1e12", "1000000000000.000000000", "1e-9", "2.5e3")) {
			BigDecimal quantity = new BigDecimal(text);
			assertThat(UsageEventValidator.quantityProblem(quantity)).as(text).isNull();
			assertThatNoException().as(text)
				.isThrownBy(() -> this.validator.validate(UsageEvent.builder("acme", "api.calls").quantity(quantity).build()));
		}
		// Within the column, over metering.ledger.max-quantity: refused by the configured maximum.
		assertThat(UsageEventValidator.quantityProblem(new BigDecimal("99999999999999999999999999999.999999999"))).isNull();
		assertThat(catchThrowable(() -> this.validator
			.validate(UsageEvent.builder("acme", "api.calls").quantity(new BigDecimal("1e13")).build())))
			.hasMessageContaining("metering.ledger.max-quantity");
	}

	@Test
	void messagesQuoteAnExcerptOfLongText() {
		String meter = "X".repeat(1_000_000);
		assertThat(catchThrowable(() -> this.validator.validate(UsageEvent.builder("acme", meter).build())))
			.isInstanceOfSatisfying(InvalidUsageEventException.class,
					(ex) -> assertThat(ex.getMessage()).hasSizeLessThan(300));
		assertThat(UsageEventValidator.abbreviate("y".repeat(1_000_000))).hasSizeLessThan(100).contains("1000000");
	}

}
