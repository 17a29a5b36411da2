package dev.metering.billing;

import java.util.Optional;

/**
 * Which plan a tenant (or billing scope) is on, and whether the kit knows it. The kit's
 * implementation reads {@code metering.tenants.<tenant>.plan} and {@code metering.default-plan};
 * declare a bean of this type when plans live elsewhere.
 */
public interface TenantPlans {

	/**
	 * The plan of a tenant.
	 * @param tenant the tenant id
	 * @return the plan name, empty when the tenant has none
	 */
	Optional<String> planOf(String tenant);

	/**
	 * Whether a tenant is known: configured, or covered by a default plan.
	 * @param tenant the tenant id
	 * @return {@code true} when known
	 */
	boolean isKnown(String tenant);

	/**
	 * The plans a tenant was assigned with the instants they took effect, oldest first: a billing
	 * period with a change bills each part at its own plan. Empty (the default) when plans keep
	 * no history: the whole period is billed at {@link #planOf}.
	 * @param tenant the tenant id
	 * @return its assignments, oldest first
	 */
	default java.util.List<PlanAssignment> planHistory(String tenant) {
		return java.util.List.of();
	}

}
