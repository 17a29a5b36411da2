package dev.metering.quota.bus;

import org.jspecify.annotations.Nullable;

/**
 * What a runtime change makes stale.
 *
 * @param kind a tenant's definitions, a plan's (every tenant that may be on it), or everything
 * @param id the tenant id or plan name; empty for {@link Kind#ALL}
 */
public record QuotaInvalidation(Kind kind, String id) {

	/** The separator of the wire form; tenant ids may contain anything after it. */
	private static final char SEPARATOR = ':';

	/**
	 * A tenant's definitions changed.
	 * @param tenantId the tenant
	 * @return the invalidation
	 */
	public static QuotaInvalidation tenant(String tenantId) {
		return new QuotaInvalidation(Kind.TENANT, tenantId);
	}

	/**
	 * A plan's definitions changed.
	 * @param plan the plan
	 * @return the invalidation
	 */
	public static QuotaInvalidation plan(String plan) {
		return new QuotaInvalidation(Kind.PLAN, plan);
	}

	/**
	 * Anything may have changed (a bus reconnected and may have missed messages).
	 * @return the invalidation
	 */
	public static QuotaInvalidation all() {
		return new QuotaInvalidation(Kind.ALL, "");
	}

	/**
	 * The wire form: {@code <origin>:<kind>:<id>}.
	 * @param origin the publishing instance, so it can skip its own echo
	 * @return the message
	 */
	String encode(String origin) {
		return origin + SEPARATOR + this.kind.name() + SEPARATOR + this.id;
	}

	/**
	 * Reads a message of {@link #encode(String)}.
	 * @param message the message
	 * @return its origin and invalidation, or {@code null} when it is not one
	 */
	static @Nullable Message decode(String message) {
		int first = message.indexOf(SEPARATOR);
		int second = (first < 0) ? -1 : message.indexOf(SEPARATOR, first + 1);
		if (second < 0) {
			return null;
		}
		try {
			Kind kind = Kind.valueOf(message.substring(first + 1, second));
			return new Message(message.substring(0, first), new QuotaInvalidation(kind, message.substring(second + 1)));
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/** What became stale. */
	public enum Kind {

		/** One tenant's definitions. */
		TENANT,

		/** One plan's definitions. */
		PLAN,

		/** Everything. */
		ALL

	}

	record Message(String origin, QuotaInvalidation invalidation) {
	}

}
