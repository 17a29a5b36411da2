package dev.metering.admin;

/**
 * A change conflicts with the current definitions (a plan that exists, a plan still in use, a
 * concurrent change): nothing was changed.
 */
public class DefinitionConflictException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param message what conflicts
	 */
	public DefinitionConflictException(String message) {
		super(message);
	}

}
