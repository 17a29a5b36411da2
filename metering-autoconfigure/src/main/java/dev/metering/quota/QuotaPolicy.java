package dev.metering.quota;

import java.math.BigDecimal;

import org.jspecify.annotations.Nullable;

/**
 * One quota: at most {@code limit} of {@code meter} per {@code window}.
 *
 * @param name the policy name in RateLimit fields and problem bodies, e.g.
 * {@code free-http.requests-month} (plan or tenant, meter, window)
 * @param meter the limited meter
 * @param limit the most usage per window, not negative
 * @param window the window
 * @param enforcement what happens over the limit
 * @param softThreshold optional fraction of the limit in (0, 1] from which a warning is published
 */
public record QuotaPolicy(String name, String meter, BigDecimal limit, QuotaWindow window, Enforcement enforcement,
		@Nullable Double softThreshold) {

	public QuotaPolicy {
		if (limit.signum() < 0) {
			throw new IllegalArgumentException("limit must not be negative, was " + limit);
		}
		if (softThreshold != null && !(softThreshold > 0 && softThreshold <= 1)) {
			throw new IllegalArgumentException("soft-threshold must be in (0, 1], was " + softThreshold);
		}
	}

	/**
	 * The usage from which this policy warns: the soft threshold's share of the limit, else the
	 * limit itself (soft and monitor quotas warn when passed).
	 * @return the warning level
	 */
	public BigDecimal warnAt() {
		return (this.softThreshold != null) ? this.limit.multiply(BigDecimal.valueOf(this.softThreshold)) : this.limit;
	}

}
