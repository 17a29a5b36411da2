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

	private final String bodyField;

	/**
	 * Creates the exception of a field whose JSON body name is in snake_case.
	 * @param field the wrong field, e.g. {@code limit}
	 * @param value its value
	 * @param reason what a right value looks like
	 */
	public InvalidDefinitionException(String field, @Nullable Object value, String reason) {
		this(field, value, reason, field.replace('-', '_'));
	}

	private InvalidDefinitionException(String field, @Nullable Object value, String reason, String bodyField) {
		super("Invalid " + field + " '" + shown(value) + "': " + reason);
		this.field = field;
		this.value = value;
		this.bodyField = bodyField;
	}

	/**
	 * The exception of a meter definition's property: its JSON body has the property names of
	 * {@code metering.meters[i]} ({@code group-by.model}), so the body names it as the field.
	 * @param property the wrong property
	 * @param value its value
	 * @param reason what a right value looks like
	 * @return the exception
	 */
	static InvalidDefinitionException ofMeter(String property, @Nullable Object value, String reason) {
		return new InvalidDefinitionException(property, value, reason, property);
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

	/** The wrong field as the JSON body names it. */
	public String getBodyField() {
		return this.bodyField;
	}

	/** Its value. */
	public @Nullable Object getValue() {
		return this.value;
	}

}
