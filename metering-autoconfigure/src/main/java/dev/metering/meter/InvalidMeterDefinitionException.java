package dev.metering.meter;

import org.jspecify.annotations.Nullable;

/**
 * A meter definition that cannot work: thrown at start-up (explained by the kit's failure
 * analyzer with the property's full name) or by the admin API (as a 400 naming the field).
 */
public class InvalidMeterDefinitionException extends IllegalArgumentException {

	private final String property;

	private final @Nullable Object value;

	private final String reason;

	/**
	 * Creates the exception.
	 * @param property the property at fault, e.g. {@code value} within a definition, or
	 * {@code metering.meters[0].value} once {@linkplain #under placed}
	 * @param value the configured value
	 * @param reason why it is wrong and what is allowed
	 */
	public InvalidMeterDefinitionException(String property, @Nullable Object value, String reason) {
		super("Invalid meter definition: " + property + "=" + value + ": " + reason);
		this.property = property;
		this.value = value;
		this.reason = reason;
	}

	/**
	 * The same failure with the property named from a parent.
	 * @param prefix the parent, e.g. {@code metering.meters[0]}
	 * @return a new exception naming {@code prefix.property} (or {@code prefix[i]...})
	 */
	public InvalidMeterDefinitionException under(String prefix) {
		String full = this.property.startsWith("[") ? prefix + this.property : prefix + "." + this.property;
		InvalidMeterDefinitionException placed = new InvalidMeterDefinitionException(full, this.value, this.reason);
		placed.initCause(this);
		return placed;
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
