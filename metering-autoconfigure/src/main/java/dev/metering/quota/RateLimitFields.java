package dev.metering.quota;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers) of a decision, as RFC 9651
 * structured-field Lists: {@code RateLimit-Policy: "free-http.requests-month";q=1000;w=2592000}
 * and {@code RateLimit: "free-http.requests-month";r=0;t=86400}, plus {@code Retry-After}.
 * Every enforced (hard or soft) policy is listed; monitor policies are invisible to clients.
 */
public final class RateLimitFields {

	/** Name of the policy field. */
	public static final String POLICY = "RateLimit-Policy";

	/** Name of the current-state field. */
	public static final String RATE_LIMIT = "RateLimit";

	/** Name of the retry field of a 429. */
	public static final String RETRY_AFTER = "Retry-After";

	/** The largest Integer of RFC 9651 (15 digits). */
	private static final long MAX_INTEGER = 999_999_999_999_999L;

	private RateLimitFields() {
	}

	/**
	 * The {@code RateLimit-Policy} field value.
	 * @param policies the enforced policies
	 * @return the value, empty when there is no policy
	 */
	public static String policy(List<PolicyUsage> policies) {
		StringBuilder field = new StringBuilder();
		for (PolicyUsage usage : policies) {
			if (!field.isEmpty()) {
				field.append(", ");
			}
			field.append(string(usage.policy().name()))
				.append(";q=")
				.append(integer(usage.limit()))
				.append(";w=")
				.append(clamp(Duration.between(usage.windowStart(), usage.reset()).toSeconds()));
		}
		return field.toString();
	}

	/**
	 * The {@code RateLimit} field value.
	 * @param policies the enforced policies
	 * @param now the current time
	 * @return the value, empty when there is no policy
	 */
	public static String rateLimit(List<PolicyUsage> policies, Instant now) {
		StringBuilder field = new StringBuilder();
		for (PolicyUsage usage : policies) {
			if (!field.isEmpty()) {
				field.append(", ");
			}
			field.append(string(usage.policy().name()))
				.append(";r=")
				.append(integer(usage.remaining()))
				.append(";t=")
				.append(secondsUntil(now, usage.reset()));
		}
		return field.toString();
	}

	/**
	 * The {@code Retry-After} value of a denied decision: seconds until the deciding window ends.
	 * @param decision the decision
	 * @param now the current time
	 * @return whole seconds, at least 1
	 */
	public static long retryAfter(QuotaDecision decision, Instant now) {
		Instant reset = decision.reset();
		return (reset != null) ? Math.max(1, secondsUntil(now, reset)) : 1;
	}

	/** Whole seconds from now until an instant, rounded up, never negative. */
	static long secondsUntil(Instant now, Instant until) {
		Duration left = Duration.between(now, until);
		if (left.isNegative()) {
			return 0;
		}
		long seconds = left.getSeconds() + ((left.getNano() > 0) ? 1 : 0);
		return clamp(seconds);
	}

	/** A non-negative quantity as an RFC 9651 Integer: rounded down, clamped to 15 digits. */
	static long integer(BigDecimal value) {
		BigDecimal floor = value.setScale(0, RoundingMode.FLOOR);
		if (floor.signum() < 0) {
			return 0;
		}
		return (floor.compareTo(BigDecimal.valueOf(MAX_INTEGER)) > 0) ? MAX_INTEGER : floor.longValueExact();
	}

	private static long clamp(long value) {
		return Math.min(Math.max(value, 0), MAX_INTEGER);
	}

	/**
	 * An RFC 9651 String: quoted, with {@code "} and {@code \} escaped; characters outside printable
	 * ASCII (which a String cannot hold) become {@code _}.
	 */
	static String string(String value) {
		StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				quoted.append('\\').append(c);
			}
			else if (c < 0x20 || c > 0x7E) {
				quoted.append('_');
			}
			else {
				quoted.append(c);
			}
		}
		return quoted.append('"').toString();
	}

}
