package dev.metering.operation;

/**
 * A {@code @Metered} declaration is invalid (at start-up: an expression that does not parse, a
 * bad meter or name) or a call's expressions gave no usable value (no number, a negative
 * number, no tenant, or a value the ledger refuses, such as an over-long tenant or idempotency
 * key). The message names the method, the expression and, when the ledger refuses a value, the
 * field (the cause is then the {@link dev.metering.event.InvalidUsageEventException}). Thrown
 * before the method runs; nothing is recorded for the call.
 */
public class MeteredOperationException extends IllegalStateException {

	public MeteredOperationException(String message) {
		super(message);
	}

	public MeteredOperationException(String message, Throwable cause) {
		super(message, cause);
	}

}
