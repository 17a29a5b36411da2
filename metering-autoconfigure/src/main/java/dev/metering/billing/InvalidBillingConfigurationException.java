package dev.metering.billing;

/**
 * A wrong billing or usage API setting, found at start-up, naming the property.
 */
public class InvalidBillingConfigurationException extends RuntimeException {

	private final String property;

	/**
	 * Creates the exception.
	 * @param property the full property name, e.g. {@code metering.billing.plans.pro.currency}
	 * @param reason why it is wrong and what is allowed
	 */
	public InvalidBillingConfigurationException(String property, String reason) {
		super("Invalid configuration of " + property + ": " + reason);
		this.property = property;
	}

	/**
	 * The property at fault.
	 * @return the full property name
	 */
	public String getProperty() {
		return this.property;
	}

}
