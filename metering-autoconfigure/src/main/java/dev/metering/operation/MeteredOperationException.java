package dev.metering.operation;

/**
 * A {@code @Metered} expression could not be parsed (at start-up) or gave no usable value (at
 * call time: no number, a negative number, no tenant). The message names the method and the
 * expression; nothing is recorded for the call.
 */
public class MeteredOperationException extends IllegalStateException {

	public MeteredOperationException(String message) {
		super(message);
	}

	public MeteredOperationException(String message, Throwable cause) {
		super(message, cause);
	}

}
