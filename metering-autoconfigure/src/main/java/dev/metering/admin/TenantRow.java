package dev.metering.admin;

import org.jspecify.annotations.Nullable;

/**
 * A tenant's row: what the database says about it. A {@code null} plan or exempt flag leaves the
 * configured value (or the default plan) in force.
 *
 * @param tenantId the tenant
 * @param plan its plan, or {@code null} for the configured one
 * @param exempt whether it is never limited, or {@code null} for the configured value
 * @param parentId its parent tenant (tenant hierarchies), or {@code null}
 * @param billingAttribution who pays for its usage (tenant hierarchies), or {@code null}
 */
record TenantRow(String tenantId, @Nullable String plan, @Nullable Boolean exempt, @Nullable String parentId,
		@Nullable String billingAttribution) {

	/** The audit trail's text of this row. */
	String describe() {
		return "plan=" + this.plan + " exempt=" + this.exempt
				+ ((this.parentId != null) ? " parent=" + this.parentId : "")
				+ ((this.billingAttribution != null) ? " billing-attribution=" + this.billingAttribution : "");
	}

}
