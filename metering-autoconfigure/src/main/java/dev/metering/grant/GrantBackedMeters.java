package dev.metering.grant;

import java.util.Map;

import dev.metering.quota.Enforcement;

/**
 * Which meters are grant-backed for a tenant, and whether usage beyond the balance is refused
 * ({@code HARD}) or allowed as overage ({@code SOFT}): in the kit, its plan's
 * {@code metering.plans.<plan>.grant-backed}.
 */
@FunctionalInterface
public interface GrantBackedMeters {

	/** No meter is grant-backed. */
	GrantBackedMeters NONE = (tenant) -> Map.of();

	/**
	 * The grant-backed meters of a tenant.
	 * @param tenant the tenant
	 * @return meter to {@code HARD} or {@code SOFT}, empty for none
	 */
	Map<String, Enforcement> of(String tenant);

}
