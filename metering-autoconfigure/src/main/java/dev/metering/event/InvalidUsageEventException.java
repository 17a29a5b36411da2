package dev.metering.event;

/**
 * A usage event that the kit refuses to record; {@link #getField()} names the offending field.
 * Nothing of a rejected event (or of a rejected {@code recordAll} call) is recorded.
 */
public class InvalidUsageEventException extends IllegalArgumentException {

	private final String field;

	/**
	 * A rejection of one field.
	 * @param field the event field at fault, as named in the API ({@code tenantId}, {@code meter}, ...)
	 * @param message what is wrong, for a person
	 */
	public InvalidUsageEventException(String field, String message) {
		super(field + ": " + message);
		this.field = field;
	}

	/**
	 * The name of the field that failed validation.
	 * @return the field name
	 */
	public String getField() {
		return this.field;
	}

}
