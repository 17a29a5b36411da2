package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Units of a meter that prepaid credits (grants) covered in a period: a bill prices only what
 * they did not cover. The kit's grants implement it ({@code dev.metering.grant.GrantService}).
 */
@FunctionalInterface
public interface BillingCredits {

	/** No credits. */
	BillingCredits NONE = (billingScope, meter, from, to) -> BigDecimal.ZERO;

	/**
	 * The units credits covered.
	 * @param billingScope the paying tenant (whose grants apply)
	 * @param meter the meter
	 * @param from the period's start
	 * @param to the period's end (exclusive)
	 * @return the units, zero without credits
	 */
	BigDecimal creditsApplied(String billingScope, String meter, Instant from, Instant to);

}
