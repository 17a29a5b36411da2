package dev.metering.admin;

import org.jspecify.annotations.Nullable;

/**
 * A tenant's row to set, as given: {@link MeteringAdmin} validates each field. The row replaces
 * the tenant's previous one; a {@code null} field leaves the configured value
 * ({@code metering.tenants}) in force.
 *
 * @param plan the plan, or {@code null} for the configured one (or the default plan)
 * @param exempt whether the tenant is never limited, or {@code null} for the configured value
 * @param parent its parent tenant, {@code ""} for none (a root), or {@code null} for the
 * configured one
 * @param billingAttribution who pays for its usage (itself, its parent or an ancestor),
 * {@code ""} for itself, or {@code null} for the configured one
 * @param exemptDescendants whether every tenant below it is exempt, or {@code null} for the
 * configured value
 */
public record TenantChange(@Nullable String plan, @Nullable Boolean exempt, @Nullable String parent,
		@Nullable String billingAttribution, @Nullable Boolean exemptDescendants) {

	/**
	 * A plan and exempt flag; the hierarchy fields as configured.
	 * @param plan the plan, or {@code null} for the configured one
	 * @param exempt whether the tenant is never limited, or {@code null} for the configured value
	 */
	public TenantChange(@Nullable String plan, @Nullable Boolean exempt) {
		this(plan, exempt, null, null, null);
	}

}
