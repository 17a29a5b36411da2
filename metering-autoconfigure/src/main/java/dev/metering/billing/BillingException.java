package dev.metering.billing;

/**
 * A report or summary that cannot be computed as asked, naming the input at fault.
 */
public class BillingException extends RuntimeException {

	private final String field;

	private final Reason reason;

	/**
	 * A billing failure.
	 * @param field the input at fault, e.g. {@code tenant_id}
	 * @param reason what kind of failure
	 * @param message what is wrong, for a person
	 */
	public BillingException(String field, Reason reason, String message) {
		super(message);
		this.field = field;
		this.reason = reason;
	}

	/**
	 * The input at fault.
	 * @return the field name
	 */
	public String getField() {
		return this.field;
	}

	/**
	 * The kind of failure.
	 * @return the reason
	 */
	public Reason getReason() {
		return this.reason;
	}

	/**
	 * Why a report cannot be computed.
	 */
	public enum Reason {

		/** The tenant or billing scope is not known. */
		UNKNOWN_TENANT,

		/** The scope has no plan, or its plan has no prices. */
		NOT_PRICED,

		/** An argument is out of range. */
		INVALID

	}

}
