package dev.metering.tenant;

/**
 * What a valid hierarchy allows.
 *
 * @param maxDepth the most levels of a lineage, the tenant included
 * @param allowBillingOutsideLineage whether a tenant may be billed to a scope that is not itself or
 * one of its ancestors
 */
public record TenantHierarchyRules(int maxDepth, boolean allowBillingOutsideLineage) {

	/** The defaults: at most 8 levels, billed only within the lineage. */
	public static final TenantHierarchyRules DEFAULTS = new TenantHierarchyRules(8, false);

	public TenantHierarchyRules {
		if (maxDepth < 1) {
			throw new IllegalArgumentException("max-depth must be at least 1, was " + maxDepth);
		}
	}

}
