package dev.metering.tenant;

import java.util.ArrayList;
import java.util.List;

/**
 * A tenant's place in the hierarchy, as a quota check and the recorder need it.
 *
 * @param scopes the tenant first, then its parent, up to the root
 * @param billingScope who pays for the tenant's usage
 * @param exemptScopes the scopes of the lineage whose own quotas are not enforced
 * @param exempt whether the tenant is never blocked: itself exempt, or below an ancestor that
 * exempts its descendants
 */
public record TenantLineage(List<String> scopes, String billingScope, List<String> exemptScopes, boolean exempt) {

	public TenantLineage {
		if (scopes.isEmpty()) {
			throw new IllegalArgumentException("a lineage names at least the tenant");
		}
		scopes = List.copyOf(scopes);
		exemptScopes = List.copyOf(exemptScopes);
	}

	/**
	 * The lineage of a tenant without parent, paying for itself.
	 * @param tenantId the tenant
	 * @return a one-level lineage
	 */
	public static TenantLineage flat(String tenantId) {
		return new TenantLineage(List.of(tenantId), tenantId, List.of(), false);
	}

	/**
	 * The tenant.
	 * @return the first scope
	 */
	public String tenant() {
		return this.scopes.get(0);
	}

	/**
	 * The scopes whose quotas a check consults: the lineage without its exempt levels, or none
	 * when the tenant is exempt. When not empty, the tenant is the first.
	 * @return the scopes to check, tenant first
	 */
	public List<String> checkedScopes() {
		if (this.exempt) {
			return List.of();
		}
		if (this.exemptScopes.isEmpty()) {
			return this.scopes;
		}
		List<String> checked = new ArrayList<>(this.scopes);
		checked.removeAll(this.exemptScopes);
		return List.copyOf(checked);
	}

}
