package dev.metering.quota;

import java.util.Locale;

/**
 * What a check does when a tenant's usage cannot be read: a cold cache while the database is down.
 */
public enum OnUnknownUsage {

	/** Fail open: the call proceeds (the default). */
	ALLOW,

	/** Fail closed: the call is rejected as if over a hard quota. */
	DENY;

	/**
	 * The value of a configuration value.
	 * @param value allow or deny, any case
	 * @return the value
	 * @throws IllegalArgumentException for any other value
	 */
	public static OnUnknownUsage of(String value) {
		for (OnUnknownUsage candidate : values()) {
			if (candidate.name().toLowerCase(Locale.ROOT).equalsIgnoreCase(value == null ? "" : value.trim())) {
				return candidate;
			}
		}
		throw new IllegalArgumentException("unknown value '" + value + "': use allow or deny");
	}

}
