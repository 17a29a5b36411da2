package dev.metering.admin;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A tenant's row to set, as given: {@link MeteringAdmin} validates each field. A {@code null}
 * plan or exempt flag leaves the configured value ({@code metering.tenants}) in force; a
 * {@code null} hierarchy field (parent, billing attribution, exempt descendants) keeps the row's
 * current value, so changing a plan does not move the tenant (delete the row to return to the
 * configured hierarchy).
 *
 * @param plan the plan, or {@code null} for the configured one (or the default plan)
 * @param exempt whether the tenant is never limited, or {@code null} for the configured value
 * @param parent its parent tenant, {@code ""} for none (a root), or {@code null} to keep the
 * row's (the configured one without a row)
 * @param billingAttribution who pays for its usage (itself, its parent or an ancestor),
 * {@code ""} for itself, or {@code null} to keep the row's
 * @param exemptDescendants whether every tenant below it is exempt, or {@code null} to keep the
 * row's
 * @param timeZone the billing calendar's time zone (whole hours from UTC), {@code ""} for the
 * configured one, or {@code null} to keep the row's
 * @param anchorDay the billing anchor day, 1 to 31, {@code 0} for the configured one, or
 * {@code null} to keep the row's
 * @param planEffectiveFrom when a new plan takes effect for billing: a whole hour, not in the
 * future; {@code null} for the current hour
 */
public record TenantChange(@Nullable String plan, @Nullable Boolean exempt, @Nullable String parent,
		@Nullable String billingAttribution, @Nullable Boolean exemptDescendants, @Nullable String timeZone,
		@Nullable Integer anchorDay, @Nullable Instant planEffectiveFrom) {

	/**
	 * A row without calendar fields.
	 * @param plan the plan, or {@code null} for the configured one
	 * @param exempt whether the tenant is never limited, or {@code null} for the configured value
	 * @param parent its parent tenant, {@code ""} for none, or {@code null} to keep the row's
	 * @param billingAttribution who pays, {@code ""} for itself, or {@code null} to keep the row's
	 * @param exemptDescendants whether every tenant below it is exempt, or {@code null} to keep the row's
	 */
	public TenantChange(@Nullable String plan, @Nullable Boolean exempt, @Nullable String parent,
			@Nullable String billingAttribution, @Nullable Boolean exemptDescendants) {
		this(plan, exempt, parent, billingAttribution, exemptDescendants, null, null, null);
	}

	/**
	 * A plan and exempt flag; the tenant's place in the hierarchy stays.
	 * @param plan the plan, or {@code null} for the configured one
	 * @param exempt whether the tenant is never limited, or {@code null} for the configured value
	 */
	public TenantChange(@Nullable String plan, @Nullable Boolean exempt) {
		this(plan, exempt, null, null, null, null, null, null);
	}

}
