package dev.metering.operation;

/**
 * Told when a {@code @Metered} call completed but could not be recorded: the kit's Micrometer
 * binding counts these ({@code metering.operations.unrecorded}). Declare a bean of this type to
 * be told too. Tags must stay bounded, so no tenant ids are passed.
 */
public interface MeteredOperationObserver {

	/** An observer that does nothing. */
	MeteredOperationObserver NONE = new MeteredOperationObserver() {
	};

	/**
	 * A call did its work, but its usage was not recorded.
	 * @param operation the operation
	 * @param cause why it was not recorded (a quantity over {@code #result} without a usable
	 * value, an event the recorder refused, a recorder failure)
	 */
	default void unrecorded(MeteredOperation operation, RuntimeException cause) {
	}

}
