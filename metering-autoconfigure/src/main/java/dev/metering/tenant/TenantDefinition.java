package dev.metering.tenant;

import org.jspecify.annotations.Nullable;

/**
 * One tenant of the hierarchy, as configured under {@code metering.tenants} or stored as a
 * tenant row.
 *
 * @param tenantId the tenant
 * @param parentId its parent, or {@code null} for a root
 * @param billingAttribution who pays for its usage: itself ({@code null}, the default), its parent
 * or any ancestor (another scope only when {@code metering.hierarchy.allow-billing-outside-lineage})
 * @param plan its plan, for the quota definitions; the directory does not read it
 * @param exempt whether its own usage is recorded but never blocked
 * @param exemptDescendants whether every tenant below it is exempt as well
 * @param calendar its time zone and billing anchor day, {@code null} when it sets none (then its
 * payer's, else UTC calendar months)
 */
public record TenantDefinition(String tenantId, @Nullable String parentId, @Nullable String billingAttribution,
		@Nullable String plan, boolean exempt, boolean exemptDescendants, @Nullable BillingCalendar calendar) {

	/**
	 * A tenant that sets no calendar of its own.
	 * @param tenantId the tenant
	 * @param parentId its parent, or {@code null} for a root
	 * @param billingAttribution who pays for its usage, {@code null} for itself
	 * @param plan its plan
	 * @param exempt whether its own usage is never blocked
	 * @param exemptDescendants whether every tenant below it is exempt as well
	 */
	public TenantDefinition(String tenantId, @Nullable String parentId, @Nullable String billingAttribution,
			@Nullable String plan, boolean exempt, boolean exemptDescendants) {
		this(tenantId, parentId, billingAttribution, plan, exempt, exemptDescendants, null);
	}

	/**
	 * A tenant under a parent that pays for itself.
	 * @param tenantId the tenant
	 * @param parentId the parent, or {@code null} for a root
	 * @return the definition
	 */
	public static TenantDefinition of(String tenantId, @Nullable String parentId) {
		return new TenantDefinition(tenantId, parentId, null, null, false, false);
	}

	/**
	 * This tenant billed to another scope.
	 * @param scope the paying scope, or {@code null} for the tenant itself
	 * @return a copy with the billing attribution replaced
	 */
	public TenantDefinition billedTo(@Nullable String scope) {
		return new TenantDefinition(this.tenantId, this.parentId, scope, this.plan, this.exempt,
				this.exemptDescendants, this.calendar);
	}

	/**
	 * This tenant under another parent.
	 * @param parent the new parent, or {@code null} for a root
	 * @return a copy with the parent replaced
	 */
	public TenantDefinition withParent(@Nullable String parent) {
		return new TenantDefinition(this.tenantId, parent, this.billingAttribution, this.plan, this.exempt,
				this.exemptDescendants, this.calendar);
	}

	/**
	 * The scope that pays for this tenant's usage.
	 * @return the billing attribution, or the tenant itself
	 */
	public String billingScope() {
		return (this.billingAttribution != null) ? this.billingAttribution : this.tenantId;
	}

}
