package dev.metering.api;

import java.math.BigDecimal;

/**
 * Quantities as the API answers them: JSON numbers without trailing zeros or exponent.
 */
final class Quantities {

	private Quantities() {
	}

	static BigDecimal plain(BigDecimal value) {
		BigDecimal stripped = value.stripTrailingZeros();
		return (stripped.scale() < 0) ? stripped.setScale(0) : stripped;
	}

}
