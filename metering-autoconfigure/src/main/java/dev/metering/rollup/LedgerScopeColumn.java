package dev.metering.rollup;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;


/**
 * The ledger columns usage can be summed by.
 */
enum LedgerScopeColumn {

	/** The tenant that used something. */
	TENANT("tenant_id"),

	/** The scope that pays for it. */
	BILLING_SCOPE("billing_scope_id");

	private final String column;

	LedgerScopeColumn(String column) {
		this.column = column;
	}

	/**
	 * A statement by column.
	 * @param sql the statement of a column name
	 * @return the statement by column
	 */
	static Map<LedgerScopeColumn, String> resolve(Function<String, String> sql) {
		Map<LedgerScopeColumn, String> resolved = new EnumMap<>(LedgerScopeColumn.class);
		for (LedgerScopeColumn column : values()) {
			resolved.put(column, sql.apply(column.column));
		}
		return resolved;
	}

	/** The column name. */
	String column() {
		return this.column;
	}

}
