package dev.metering.internal.sql;

/**
 * The statements of quotas admitted per event in the database, the same on every database: a
 * window's admission row ({@code used}, raised under its row lock) and the distinct values of a
 * unique-count quota's window. Every read inside an admission is a locking read, so it sees what
 * the transactions before it committed whatever the isolation level.
 */
public final class AdmissionSql {

	/** The most ended windows {@link #selectEndedWindows} selects at once. */
	public static final int CLEAN_BATCH = 500;

	private static final String KEY = "scope_id = ? AND meter = ? AND filter_key = ? AND window_kind = ? "
			+ "AND window_start = ?";

	/** Parameters: the window's key. */
	public final String insertWindow;

	/** Parameters: the window's key. Selects id, used, locking the row. */
	public final String lockWindow;

	/** Parameters: the window's key. Selects used, without a lock. */
	public final String selectUsed;

	/** Parameters: admission id, value. Selects 1 when the value is admitted, locking the row. */
	public final String lockDistinct;

	/** Parameters: admission id, value. */
	public final String insertDistinct;

	/** Parameters: amount (signed), admission id. */
	public final String addUsed;

	/** Parameters: amount (signed), the window's key. */
	public final String addUsedByKey;

	/**
	 * Parameters: ended before (epoch second). Selects the ids of up to {@link #CLEAN_BATCH} ended
	 * windows, without a lock: the deletes then lock those rows only, never a live window's.
	 */
	public final String selectEndedWindows;

	/** Parameters: admission id. Deletes the distinct values of one window. */
	public final String deleteDistinctOfWindow;

	/** Parameters: admission id. Deletes one window. */
	public final String deleteWindow;

	/**
	 * The statements for a set of tables.
	 * @param tables the table names
	 */
	public AdmissionSql(TableNames tables) {
		String admission = tables.quotaAdmission();
		String distinct = tables.quotaDistinct();
		this.insertWindow = "INSERT INTO " + admission
				+ " (scope_id, meter, filter_key, window_kind, window_start, used) VALUES (?, ?, ?, ?, ?, 0)";
		this.lockWindow = "SELECT id, used FROM " + admission + " WHERE " + KEY + " FOR UPDATE";
		this.selectUsed = "SELECT used FROM " + admission + " WHERE " + KEY;
		this.lockDistinct = "SELECT 1 FROM " + distinct + " WHERE admission_id = ? AND distinct_value = ? FOR UPDATE";
		this.insertDistinct = "INSERT INTO " + distinct + " (admission_id, distinct_value) VALUES (?, ?)";
		this.addUsed = "UPDATE " + admission + " SET used = used + ? WHERE id = ?";
		this.addUsedByKey = "UPDATE " + admission + " SET used = used + ? WHERE " + KEY;
		// Not a DELETE ... WHERE window_start < ?: without an index on window_start it scans every row,
		// and InnoDB's REPEATABLE READ locks each row it scans, live windows included, deadlocking admissions.
		this.selectEndedWindows = "SELECT id FROM " + admission + " WHERE window_start < ? ORDER BY id LIMIT "
				+ CLEAN_BATCH;
		this.deleteDistinctOfWindow = "DELETE FROM " + distinct + " WHERE admission_id = ?";
		this.deleteWindow = "DELETE FROM " + admission + " WHERE id = ?";
	}

}
