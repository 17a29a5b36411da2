package dev.metering.admin;

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
		super("Invalid " + field + " '" + value + "': " + reason);
		this.field = field;
		this.value = value;
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
