package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Published (as a Spring application event) once per scope, policy and window when usage passes
 * a policy's warning level: its soft threshold, or its limit for soft and monitor quotas.
 *
 * @param tenant the scope whose usage passed the level
 * @param meter the meter
 * @param policy the policy
 * @param used usage in the window including the call that passed the level
 * @param limit the policy's limit
 * @param windowStart the window's start
 * @param reset the window's end
 */
public record QuotaWarningEvent(String tenant, String meter, QuotaPolicy policy, BigDecimal used, BigDecimal limit,
		Instant windowStart, Instant reset) {

	/**
	 * Whether usage is past the limit (not only past the soft threshold).
	 * @return {@code true} over the limit
	 */
	public boolean overLimit() {
		return this.used.compareTo(this.limit) > 0;
	}

}
