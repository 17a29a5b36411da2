package dev.metering.billing;

import java.math.BigDecimal;

import org.jspecify.annotations.Nullable;

/**
 * One tier of a graduated or volume price.
 *
 * @param upTo the last billable quantity of this tier, inclusive; {@code null} for the last,
 * unbounded tier
 * @param unitPrice the price of one unit in this tier
 * @param flatFee a fee charged once when the tier is reached, zero when none
 */
public record PriceTier(@Nullable BigDecimal upTo, BigDecimal unitPrice, BigDecimal flatFee) {

	public PriceTier {
		if (unitPrice.signum() < 0) {
			throw new IllegalArgumentException("unit-price must not be negative, was " + unitPrice.toPlainString());
		}
		if (flatFee.signum() < 0) {
			throw new IllegalArgumentException("flat-fee must not be negative, was " + flatFee.toPlainString());
		}
		if (upTo != null && upTo.signum() <= 0) {
			throw new IllegalArgumentException("up-to must be positive, was " + upTo.toPlainString());
		}
	}

	/**
	 * A tier without flat fee.
	 * @param upTo the last quantity of the tier, or {@code null} when unbounded
	 * @param unitPrice the unit price
	 * @return the tier
	 */
	public static PriceTier of(@Nullable String upTo, String unitPrice) {
		return new PriceTier((upTo != null) ? new BigDecimal(upTo) : null, new BigDecimal(unitPrice), BigDecimal.ZERO);
	}

}
