package dev.metering.quota;

import java.util.Locale;

/**
 * What a quota does when usage passes its limit.
 */
public enum Enforcement {

	/** The call is rejected (429) before it runs. */
	HARD,

	/** The call proceeds with the RateLimit fields; a warning event is published once per window. */
	SOFT,

	/** The call proceeds; usage is only observed (metrics and events), invisible to the client. */
	MONITOR;

	/**
	 * The configuration name.
	 * @return hard, soft or monitor
	 */
	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	/**
	 * The enforcement of a configuration value.
	 * @param value hard, soft or monitor, any case
	 * @return the enforcement
	 * @throws IllegalArgumentException for any other value
	 */
	public static Enforcement of(String value) {
		for (Enforcement enforcement : values()) {
			if (enforcement.id().equalsIgnoreCase(value == null ? "" : value.trim())) {
				return enforcement;
			}
		}
		throw new IllegalArgumentException("unknown enforcement '" + value + "': use hard, soft or monitor");
	}

}
