package dev.metering.tenant;

import java.util.Set;

import dev.metering.event.BillingAttribution;

/**
 * The tenant hierarchy as the request path reads it: a tenant's lineage and who pays for it.
 */
public interface TenantDirectory extends BillingAttribution {

	/** Every tenant is a root that pays for itself. */
	TenantDirectory FLAT = TenantLineage::flat;

	/**
	 * The lineage of a tenant; a tenant the directory does not know is a root paying for itself.
	 * @param tenantId the tenant
	 * @return its lineage
	 */
	TenantLineage lineageOf(String tenantId);

	/**
	 * Whether a tenant has a parent or children: its quotas are then named after its level.
	 * @param tenantId the tenant
	 * @return {@code true} when the tenant is part of a hierarchy
	 */
	default boolean inHierarchy(String tenantId) {
		return lineageOf(tenantId).scopes().size() > 1;
	}

	/**
	 * A scope and every tenant below it: whose usage counts against the scope's quotas.
	 * @param scope the scope
	 * @return the scope first, then its descendants
	 */
	default Set<String> subtreeOf(String scope) {
		return Set.of(scope);
	}

	@Override
	default String billingScopeOf(String tenantId) {
		return lineageOf(tenantId).billingScope();
	}

}
