package dev.metering.quota;

import org.jspecify.annotations.Nullable;

/**
 * A quota setting that cannot work: thrown at start-up, and explained by the kit's failure
 * analyzer with the property's full name.
 */
public class InvalidQuotaConfigurationException extends RuntimeException {

	private final String property;

	private final @Nullable Object value;

	private final String reason;

	/**
	 * Creates the exception.
	 * @param property the full property name, e.g. {@code metering.plans.free.quotas[0].window}
	 * @param value the configured value
	 * @param reason why it is wrong and what is allowed
	 */
	public InvalidQuotaConfigurationException(String property, @Nullable Object value, String reason) {
		super("Invalid quota configuration: " + property + "=" + value + ": " + reason);
		this.property = property;
		this.value = value;
		this.reason = reason;
	}

	public String getProperty() {
		return this.property;
	}

	public @Nullable Object getValue() {
		return this.value;
	}

	public String getReason() {
		return this.reason;
	}

}
