package dev.metering.internal.sql;

/**
 * The statements of finalized invoices and of closing periods into them, the same on every
 * database. Timestamps are bound with {@link LedgerDatabase#timestamp}.
 */
public final class InvoiceSql {

	/** The columns of an invoice without its documents, in the order the list and look-up select them. */
	private static final String COLUMNS = "invoice_number, billing_scope_id, period_start, period_end, plan, currency, "
			+ "subtotal, finalized_at";

	/** Creates an issuer's sequence row. Parameters: issuer. */
	public final String insertSequence;

	/** An issuer's last number, unlocked. Parameters: issuer. */
	public final String selectSequence;

	/**
	 * An issuer's last number, locked until the transaction ends: closing batches of all instances
	 * take turns, so each sees the invoices the one before it committed. Parameters: issuer.
	 */
	public final String lockSequence;

	/** Parameters: last number, issuer. */
	public final String updateSequence;

	/**
	 * Parameters: number, issuer, sequence number, billing scope, period start, period end, plan,
	 * currency, subtotal, finalized at, JSON, CSV.
	 */
	public final String insertInvoice;

	/**
	 * The periods already invoiced that end in {@code (from, to]}. Parameters: from, to. Selects
	 * (billing scope, period start, period end).
	 */
	public final String invoicedPeriods;

	/** A scope's invoices, oldest period first. Parameters: billing scope. Selects {@link #COLUMNS}. */
	public final String invoicesOf;

	/** One invoice of a scope. Parameters: billing scope, number. Selects {@link #COLUMNS}. */
	public final String invoice;

	/** One invoice's JSON. Parameters: billing scope, number. */
	public final String invoiceJson;

	/** One invoice's CSV. Parameters: billing scope, number. */
	public final String invoiceCsv;

	/**
	 * The billing scopes with usage in {@code [from, to)} and the instant (hour) of each one's first:
	 * the rollups' plus the ledger rows not folded yet. Parameters: from, to, lowest unfolded id,
	 * from, to, rollup name, rollup name. Selects (billing scope, first usage).
	 */
	public final String scopesWithUsage;

	/**
	 * The statements for a set of tables.
	 * @param tables the table names
	 */
	public InvoiceSql(TableNames tables) {
		String invoice = tables.invoice();
		String sequence = tables.invoiceSequence();
		this.insertSequence = "INSERT INTO " + sequence + " (issuer, last_number) VALUES (?, 0)";
		this.selectSequence = "SELECT last_number FROM " + sequence + " WHERE issuer = ?";
		this.lockSequence = this.selectSequence + " FOR UPDATE";
		this.updateSequence = "UPDATE " + sequence + " SET last_number = ? WHERE issuer = ?";
		this.insertInvoice = "INSERT INTO " + invoice + " (invoice_number, issuer, sequence_number, billing_scope_id, "
				+ "period_start, period_end, plan, currency, subtotal, finalized_at, body_json, body_csv) "
				+ "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
		this.invoicedPeriods = "SELECT billing_scope_id, period_start, period_end FROM " + invoice
				+ " WHERE period_end > ? AND period_end <= ?";
		this.invoicesOf = "SELECT " + COLUMNS + " FROM " + invoice
				+ " WHERE billing_scope_id = ? ORDER BY period_start, invoice_number";
		this.invoice = "SELECT " + COLUMNS + " FROM " + invoice + " WHERE billing_scope_id = ? AND invoice_number = ?";
		this.invoiceJson = "SELECT body_json FROM " + invoice + " WHERE billing_scope_id = ? AND invoice_number = ?";
		this.invoiceCsv = "SELECT body_csv FROM " + invoice + " WHERE billing_scope_id = ? AND invoice_number = ?";
		this.scopesWithUsage = "SELECT x.billing_scope_id, MIN(x.first_at) FROM (SELECT r.billing_scope_id, "
				+ "MIN(r.period_start) AS first_at FROM " + tables.usageRollup()
				+ " r WHERE r.period_start >= ? AND r.period_start < ? GROUP BY r.billing_scope_id UNION ALL "
				+ "SELECT e.billing_scope_id, MIN(e.occurred_at) FROM " + tables.usageEvent()
				+ " e WHERE e.id >= ? AND e.occurred_at >= ? AND e.occurred_at < ?"
				+ " AND (e.id > COALESCE((SELECT s.watermark FROM " + tables.rollupState()
				+ " s WHERE s.name = ?), 0) OR EXISTS (SELECT 1 FROM " + tables.rollupGap()
				+ " g WHERE g.name = ? AND e.id BETWEEN g.gap_start AND g.gap_end)) GROUP BY e.billing_scope_id) x "
				+ "GROUP BY x.billing_scope_id";
	}

}
