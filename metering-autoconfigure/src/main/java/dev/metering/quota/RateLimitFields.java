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

	private static final BigDecimal MAX_DECIMAL = BigDecimal.valueOf(MAX_INTEGER);

	/**
	 * The members of recently used (policy, window) pairs, by the policy's identity: a small
	 * direct-mapped table, so a hot policy's name is quoted and its member built once, not per
	 * response. A miss (another policy in the slot) just builds the member again.
	 */
	private static final Item[] items = new Item[256];

	/** The fields of two policies, by a slot of their items: racy on purpose, as {@link #items}. */
	private static final Pair[] pairs = new Pair[64];

	private RateLimitFields() {
	}

	/**
	 * The {@code RateLimit-Policy} field value.
	 * @param policies the enforced policies
	 * @return the value, empty when there is no policy
	 */
	public static String policy(List<PolicyUsage> policies) {
		int n = policies.size();
		if (n == 1) {
			// The common case: the member is built once per (policy, window) and reused.
			return item(policies.get(0)).member;
		}
		if (n == 2) {
			// A quota and a grant-backed meter's balance: the field is joined once per pair of members.
			Item first = item(policies.get(0));
			Item second = item(policies.get(1));
			int slot = (31 * System.identityHashCode(first) + System.identityHashCode(second)) & (pairs.length - 1);
			Pair pair = pairs[slot];
			if (pair == null || pair.first != first || pair.second != second) {
				pair = new Pair(first, second, first.member + ", " + second.member);
				// Racy as the items: a Pair is immutable, a lost update costs one join.
				pairs[slot] = pair;
			}
			return pair.field;
		}
		StringBuilder field = new StringBuilder(48 * n);
		for (int i = 0; i < n; i++) {
			if (i > 0) {
				field.append(", ");
			}
			field.append(item(policies.get(i)).member);
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
		int n = policies.size();
		// Sized for the quoted name and two 15-digit Integers, so one member never grows the buffer.
		StringBuilder field = new StringBuilder((n == 1) ? item(policies.get(0)).name.length() + 40 : 72 * n);
		for (int i = 0; i < n; i++) {
			PolicyUsage usage = policies.get(i);
			if (i > 0) {
				field.append(", ");
			}
			field.append(item(usage).name)
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
		long seconds = until.getEpochSecond() - now.getEpochSecond();
		int nanos = until.getNano() - now.getNano();
		if (nanos < 0) {
			seconds--;
			nanos += 1_000_000_000;
		}
		if (seconds < 0) {
			return 0;
		}
		return clamp(seconds + ((nanos > 0) ? 1 : 0));
	}

	/** A non-negative quantity as an RFC 9651 Integer: rounded down, clamped to 15 digits. */
	static long integer(BigDecimal value) {
		if (value.signum() <= 0) {
			return 0;
		}
		// setScale(0) of a whole number (scale 0) is the number itself: no allocation.
		BigDecimal floor = (value.scale() == 0) ? value : value.setScale(0, RoundingMode.FLOOR);
		return (floor.compareTo(MAX_DECIMAL) > 0) ? MAX_INTEGER : floor.longValueExact();
	}

	/** The cached parts of a policy's members, built when the slot holds another policy or window. */
	private static Item item(PolicyUsage usage) {
		QuotaPolicy policy = usage.policy();
		int slot = System.identityHashCode(policy) & (items.length - 1);
		Item item = items[slot];
		if (item == null || item.policy != policy || !item.windowStart.equals(usage.windowStart())
				|| !item.reset.equals(usage.reset())) {
			String name = string(policy.name());
			String member = name + ";q=" + integer(policy.limit()) + ";w="
					+ clamp(Duration.between(usage.windowStart(), usage.reset()).toSeconds());
			item = new Item(policy, usage.windowStart(), usage.reset(), name, member);
			// Racy on purpose: an Item is immutable (final fields), a lost update costs one rebuild.
			items[slot] = item;
		}
		return item;
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

	/**
	 * A policy's quoted name and its {@code RateLimit-Policy} member for one window.
	 */
	private record Item(QuotaPolicy policy, Instant windowStart, Instant reset, String name, String member) {
	}

	/** The field of two members, for the items (by identity) it was joined from. */
	private record Pair(Item first, Item second, String field) {
	}

}
