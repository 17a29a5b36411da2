package dev.metering.event;

/**
 * A void or correction refused; nothing was appended.
 */
public class CorrectionException extends RuntimeException {

	private final Reason reason;

	private final String field;

	/**
	 * A refusal.
	 * @param reason why
	 * @param field the input at fault ({@code id}, {@code tenant_id}, {@code quantity}, ...)
	 * @param message what is wrong, for a person
	 */
	public CorrectionException(Reason reason, String field, String message) {
		super(message);
		this.reason = reason;
		this.field = field;
	}

	/**
	 * Why the correction was refused.
	 * @return the reason
	 */
	public Reason getReason() {
		return this.reason;
	}

	/**
	 * The input at fault.
	 * @return the field name
	 */
	public String getField() {
		return this.field;
	}

	/** Why a correction is refused. */
	public enum Reason {

		/** Bad input (a negative quantity, a blank actor). */
		INVALID,

		/**
		 * No such event in the ledger, after waiting for the writers' buffers
		 * ({@code metering.billing.correction-wait}): retry when the event was recorded moments ago.
		 */
		NOT_FOUND,

		/** The event is another tenant's. */
		OTHER_TENANT,

		/** The event cannot be corrected so (it is voided, or is itself a correction). */
		CONFLICT

	}

}
