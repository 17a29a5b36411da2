package dev.metering.admin;

import java.math.BigDecimal;
import java.math.BigInteger;

import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;

/**
 * A runtime definition change with a wrong value: nothing was changed.
 */
public class InvalidDefinitionException extends RuntimeException {

	private final String field;

	private final @Nullable Object value;

	/**
	 * Creates the exception.
	 * @param field the wrong field, e.g. {@code limit}
	 * @param value its value
	 * @param reason what a right value looks like
	 */
	public InvalidDefinitionException(String field, @Nullable Object value, String reason) {
		super("Invalid " + field + " '" + shown(value) + "': " + reason);
		this.field = field;
		this.value = value;
	}

	/** The value as a message may quote it: an excerpt, never a number written out in full. */
	private static String shown(@Nullable Object value) {
		if (value instanceof BigDecimal number) {
			return UsageEventValidator.abbreviate(number);
		}
		if (value instanceof BigInteger number) {
			return UsageEventValidator.abbreviate(new BigDecimal(number));
		}
		return UsageEventValidator.abbreviate((value != null) ? String.valueOf(value) : null);
	}

	/** The wrong field. */
	public String getField() {
		return this.field;
	}

	/** Its value. */
	public @Nullable Object getValue() {
		return this.value;
	}

}
