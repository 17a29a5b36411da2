package dev.metering.admin;

import org.jspecify.annotations.Nullable;

/**
 * A tenant's assignment to set, as given: {@link MeteringAdmin} validates each field. A
 * {@code null} leaves the configured value in force.
 *
 * @param plan the plan, or {@code null} for the configured one (or the default plan)
 * @param exempt whether the tenant is never limited, or {@code null} for the configured value
 */
public record TenantChange(@Nullable String plan, @Nullable Boolean exempt) {
}
