package dev.metering.event;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Events without dimensions are the common case for application events: validating one must not
 * fail (the dimensions' JSON is {@code null} then).
 */
class UsageEventValidatorTests {

	private final UsageEventValidator validator = new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35),
			new BigDecimal("1000000000000"));

	@Test
	void acceptsAnEventWithoutDimensions() {
		assertThatCode(() -> this.validator.validate(UsageEvent.builder("acme", "reports.generated").build()))
			.doesNotThrowAnyException();
	}

	@Test
	void rejectsDimensionsWhoseJsonIsTooLong() {
		UsageEvent event = UsageEvent.builder("acme", "reports.generated")
			.dimension("note", "x".repeat(UsageEventValidator.MAX_DIMENSIONS_JSON_LENGTH))
			.build();
		assertThatExceptionOfType(InvalidUsageEventException.class).isThrownBy(() -> this.validator.validate(event))
			.withMessageContaining("dimensions");
	}

}
