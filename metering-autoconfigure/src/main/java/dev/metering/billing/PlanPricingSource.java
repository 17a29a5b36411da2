package dev.metering.billing;

import java.util.Optional;

/**
 * Where plan prices come from: {@code metering.billing.plans} in the kit. Declare a bean of
 * this type to read them from elsewhere (a database, a billing provider).
 */
@FunctionalInterface
public interface PlanPricingSource {

	/**
	 * The prices of a plan.
	 * @param plan the plan name
	 * @return its prices, empty when the plan is not priced
	 */
	Optional<PlanPricing> pricingOf(String plan);

}
