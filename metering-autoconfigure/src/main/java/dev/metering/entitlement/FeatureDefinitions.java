package dev.metering.entitlement;

import java.util.Map;

/**
 * Where feature values come from: the plan's, and a tenant's own, which replace the plan's.
 * The kit layers runtime definitions over {@code metering.plans.<plan>.features} and
 * {@code metering.tenants.<tenant>.features}; declare a bean of this type when features live
 * elsewhere.
 */
public interface FeatureDefinitions {

	/**
	 * The features of a plan.
	 * @param plan the plan name
	 * @return feature values by name, empty when none
	 */
	Map<String, String> planFeatures(String plan);

	/**
	 * A tenant's own feature values.
	 * @param tenant the tenant id
	 * @return feature values by name, empty when none
	 */
	Map<String, String> tenantFeatures(String tenant);

}
