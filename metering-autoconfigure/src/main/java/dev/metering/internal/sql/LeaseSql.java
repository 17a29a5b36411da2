package dev.metering.internal.sql;

/**
 * The statements of one lease window at a time, the same on every database: a window's
 * allocation (how much of a hard limit is leased out, with a {@code version} every change bumps)
 * and its instances' leases. What works on many windows at once is per database, on
 * {@link DatabaseSql}.
 */
public final class LeaseSql {

	private static final String KEY = "scope_id = ? AND meter = ? AND window_kind = ? AND window_start = ?";

	/** Parameters: the window's key. Selects granted, version. */
	public final String selectAllocation;

	/** Parameters: the window's key, granted. */
	public final String insertAllocation;

	/** Parameters: amount, the window's key, amount, limit: only within the limit. */
	public final String grantAllocation;

	/** Parameters: amount (signed), the window's key. */
	public final String changeAllocation;

	/** Parameters: granted, the window's key, the version read. */
	public final String replaceAllocation;

	/** Parameters: amount, expiry, the window's key, instance. */
	public final String addToLease;

	/** Parameters: the window's key, instance, amount, expiry. */
	public final String insertLease;

	/** Parameters: committed, expiry, the window's key, instance, now: only a live lease. */
	public final String renewLease;

	/** Parameters: the window's key. Selects instance, amount, committed, expiry. */
	public final String selectLeases;

	/** Parameters: the window's key, instance, now. */
	public final String deleteExpiredLease;

	/** Parameters: scope, earliest window start. Selects meter, kind, start. */
	public final String selectScopeAllocations;

	/**
	 * Parameters: three pairs of (window kind, start of its current window): the windows that
	 * closed. Deletes their allocations.
	 */
	public final String deleteClosedAllocations;

	/** As {@link #deleteClosedAllocations}, for the leases. */
	public final String deleteClosedLeases;

	/**
	 * Parameters: the run's epoch millis, updated at, name, the latest earlier run that lets
	 * this one go ahead. Claims a periodic job for one instance: it updates one row or none.
	 */
	public final String claimJob;

	/** Parameters: name, the run's epoch millis, updated at. The first claim of a periodic job. */
	public final String insertJob;

	/**
	 * The statements for a set of tables.
	 * @param tables the table names
	 */
	public LeaseSql(TableNames tables) {
		String allocation = tables.quotaAllocation();
		String lease = tables.quotaLease();
		this.selectAllocation = "SELECT granted, version FROM " + allocation + " WHERE " + KEY;
		this.insertAllocation = "INSERT INTO " + allocation
				+ " (scope_id, meter, window_kind, window_start, granted, version) VALUES (?, ?, ?, ?, ?, 0)";
		this.grantAllocation = "UPDATE " + allocation + " SET granted = granted + ?, version = version + 1 WHERE "
				+ KEY + " AND granted + ? <= ?";
		this.changeAllocation = "UPDATE " + allocation + " SET granted = granted + ?, version = version + 1 WHERE "
				+ KEY;
		this.replaceAllocation = "UPDATE " + allocation + " SET granted = ?, version = version + 1 WHERE " + KEY
				+ " AND version = ?";
		this.addToLease = "UPDATE " + lease + " SET amount = amount + ?, expires_at = ? WHERE " + KEY
				+ " AND instance_id = ?";
		this.insertLease = "INSERT INTO " + lease
				+ " (scope_id, meter, window_kind, window_start, instance_id, amount, committed, expires_at)"
				+ " VALUES (?, ?, ?, ?, ?, ?, 0, ?)";
		this.renewLease = "UPDATE " + lease + " SET committed = ?, expires_at = ? WHERE " + KEY
				+ " AND instance_id = ? AND expires_at >= ?";
		this.selectLeases = "SELECT instance_id, amount, committed, expires_at FROM " + lease + " WHERE " + KEY;
		this.deleteExpiredLease = "DELETE FROM " + lease + " WHERE " + KEY + " AND instance_id = ? AND expires_at < ?";
		this.selectScopeAllocations = "SELECT meter, window_kind, window_start FROM " + allocation
				+ " WHERE scope_id = ? AND window_start >= ?";
		String closed = " WHERE (window_kind = ? AND window_start < ?) OR (window_kind = ? AND window_start < ?)"
				+ " OR (window_kind = ? AND window_start < ?)";
		this.deleteClosedAllocations = "DELETE FROM " + allocation + closed;
		this.deleteClosedLeases = "DELETE FROM " + lease + closed;
		// The rollup's progress table keeps a row per periodic job; its watermark is the last run.
		this.claimJob = "UPDATE " + tables.rollupState() + " SET watermark = ?, updated_at = ? WHERE name = ?"
				+ " AND watermark <= ?";
		this.insertJob = "INSERT INTO " + tables.rollupState() + " (name, watermark, updated_at) VALUES (?, ?, ?)";
	}

}
