package dev.metering.ledger;

/**
 * The ledger columns usage can be summed by.
 */
public enum LedgerScopeColumn {

	/** The tenant that used something. */
	TENANT("tenant_id"),

	/** The scope that pays for it. */
	BILLING_SCOPE("billing_scope_id");

	private final String column;

	LedgerScopeColumn(String column) {
		this.column = column;
	}

	/** The column name. */
	public String column() {
		return this.column;
	}

}
