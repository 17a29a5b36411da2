package dev.metering.rollup;

import dev.metering.ledger.MeteringTables;

/**
 * The rollup job's statements, the same on every database, resolved once for a table prefix.
 * What differs per database (the upserts, the fold in the database) is in {@link RollupDialect}.
 */
record RollupStatements(
		String lockState,
		String lockGaps,
		String newLedgerRows,
		String ledgerRowsInRange,
		String deleteGap,
		String insertGap,
		String updateState,
		String oldestUnfoldedRow) {

	/** The ledger columns a batch reads, in the order {@link Fold#add} takes them. */
	static final String FOLD_COLUMNS = "id, tenant_id, meter, billing_scope_id, quantity, occurred_at";

	/** Locks the progress row until the transaction ends: one batch of all instances at a time. */
	static final String LOCK_STATE = "SELECT watermark FROM %PREFIX%rollup_state WHERE name = ? FOR UPDATE";

	/**
	 * The open gaps, read as a locking read so that every database returns the latest committed
	 * rows (not an older snapshot) once the progress row is locked.
	 */
	static final String LOCK_GAPS = "SELECT gap_start, gap_end, first_seen_at FROM %PREFIX%rollup_gap "
			+ "WHERE name = ? FOR UPDATE";

	/**
	 * The next ledger rows above the watermark, by id: an index range scan of the primary key, so
	 * its cost follows the rows returned, never the size of the ledger.
	 */
	static final String NEW_LEDGER_ROWS = "SELECT " + FOLD_COLUMNS + " FROM %PREFIX%usage_event "
			+ "WHERE id > ? ORDER BY id LIMIT ?";

	/** The ledger rows of one inclusive id range; a recheck of gaps unites several. */
	static final String LEDGER_ROWS_IN_RANGE = "SELECT " + FOLD_COLUMNS + " FROM %PREFIX%usage_event "
			+ "WHERE id BETWEEN ? AND ?";

	static final String DELETE_GAP = "DELETE FROM %PREFIX%rollup_gap WHERE name = ? AND gap_start = ?";

	static final String INSERT_GAP = "INSERT INTO %PREFIX%rollup_gap (name, gap_start, gap_end, "
			+ "first_seen_at) VALUES (?, ?, ?, ?)";

	static final String UPDATE_STATE = "UPDATE %PREFIX%rollup_state SET watermark = ?, updated_at = ? "
			+ "WHERE name = ?";

	/** When the lowest ledger row above the watermark was recorded: how long unfolded events wait. */
	static final String OLDEST_UNFOLDED = "SELECT recorded_at FROM %PREFIX%usage_event WHERE id > ? "
			+ "ORDER BY id LIMIT 1";

	static RollupStatements of(MeteringTables tables) {
		return new RollupStatements(
				tables.resolve(LOCK_STATE),
				tables.resolve(LOCK_GAPS),
				tables.resolve(NEW_LEDGER_ROWS),
				tables.resolve(LEDGER_ROWS_IN_RANGE),
				tables.resolve(DELETE_GAP),
				tables.resolve(INSERT_GAP),
				tables.resolve(UPDATE_STATE),
				tables.resolve(OLDEST_UNFOLDED));
	}

}
