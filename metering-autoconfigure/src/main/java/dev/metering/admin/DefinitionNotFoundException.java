package dev.metering.admin;

/**
 * A change names a plan, tenant or quota that does not exist: nothing was changed.
 */
public class DefinitionNotFoundException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param what e.g. {@code plan 'pro'}
	 */
	public DefinitionNotFoundException(String what) {
		super("No " + what);
	}

}
