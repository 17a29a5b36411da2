package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One policy's state as a check saw it.
 *
 * @param policy the policy
 * @param scope the scope it applies to (the tenant, or an ancestor in its lineage)
 * @param used usage in the window: including the checked call when it was allowed, excluding it
 * when it was denied
 * @param remaining what is left of the limit, never negative
 * @param windowStart the window's start
 * @param reset the window's end, when the quota is given back
 * @param exceeded whether the checked call would pass (hard: passes) the limit
 */
public record PolicyUsage(QuotaPolicy policy, String scope, BigDecimal used, BigDecimal remaining, Instant windowStart,
		Instant reset, boolean exceeded) {

	/**
	 * The policy's limit.
	 * @return the limit
	 */
	public BigDecimal limit() {
		return this.policy.limit();
	}

}
