package dev.metering.event;

/**
 * Where a usage event came from. Stored in the ledger as {@link #id()}.
 */
public enum UsageSource {

	/** A metered HTTP request, recorded by the servlet filter. */
	HTTP("http"),

	/** A {@code @Metered} operation. */
	OPERATION("operation"),

	/** An event posted to the management API. */
	API("api"),

	/** An event recorded by application code through {@link UsageRecorder}. */
	APPLICATION("application");

	private final String id;

	UsageSource(String id) {
		this.id = id;
	}

	/**
	 * The value stored in the ledger's {@code source} column.
	 * @return the lower-case identifier
	 */
	public String id() {
		return this.id;
	}

}
