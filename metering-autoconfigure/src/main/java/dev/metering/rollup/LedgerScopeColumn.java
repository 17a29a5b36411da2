package dev.metering.rollup;

import java.util.EnumMap;
import java.util.Map;

import dev.metering.ledger.MeteringTables;

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
	 * A statement written with {@code %SCOPE%} for the column and the table-prefix placeholder,
	 * resolved for each column.
	 * @param sql the statement
	 * @param tables the table names
	 * @return the statement by column
	 */
	static Map<LedgerScopeColumn, String> resolve(String sql, MeteringTables tables) {
		Map<LedgerScopeColumn, String> resolved = new EnumMap<>(LedgerScopeColumn.class);
		for (LedgerScopeColumn column : values()) {
			resolved.put(column, tables.resolve(sql).replace("%SCOPE%", column.column));
		}
		return resolved;
	}

	/** The column name. */
	String column() {
		return this.column;
	}

}
