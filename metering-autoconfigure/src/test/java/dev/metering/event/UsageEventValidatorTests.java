package dev.metering.event;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatNoException;

class UsageEventValidatorTests {

	@Test
	void anEventWithoutDimensionsIsValid() {
		UsageEventValidator validator = new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35),
				new BigDecimal("1000000"));
		assertThatNoException()
			.isThrownBy(() -> validator.validate(UsageEvent.builder("acme", "exports.rows").quantity(10).build()));
	}

}
