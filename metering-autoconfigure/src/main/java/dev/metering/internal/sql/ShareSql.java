package dev.metering.internal.sql;

import java.util.StringJoiner;

/**
 * The SQL of cold shares (positions and the '#position' share rows of the lease table), the same
 * on H2, PostgreSQL and MySQL/MariaDB. Every statement that uses or gives back a position's share
 * is conditioned on the position still being held by the same owner and epoch, so a late
 * statement of an epoch that released (or lost) its position changes nothing.
 */
public final class ShareSql {

	private static final String KEY = "(scope_id, meter, window_kind, window_start)";

	private final String allocation;

	private final String lease;

	private final String position;

	public final String claim;

	public final String insertPosition;

	public final String selectClaimed;

	public final String heartbeat;

	public final String lockHeld;

	public final String release;

	public final String selectFences;

	public final String selectIdleShares;

	public final String selectGivenBack;

	public ShareSql(TableNames tables) {
		this.allocation = tables.quotaAllocation();
		this.lease = tables.quotaLease();
		this.position = tables.quotaPosition();
		// A crashed epoch's shares may have been used unreported: the new epoch is fenced off every
		// window that started before its claim. A clean release keeps the fence it had.
		this.claim = "UPDATE " + this.position + " SET owner_id = ?, epoch = epoch + 1, claimed_at = ?, heartbeat_at = ?, "
				+ "fenced_before = CASE WHEN released_cleanly = 1 THEN fenced_before ELSE ? END, released_cleanly = 0 "
				+ "WHERE position_no = ? AND (owner_id IS NULL OR heartbeat_at < ?)";
		this.insertPosition = "INSERT INTO " + this.position
				+ " (position_no, owner_id, epoch, claimed_at, heartbeat_at, released_cleanly, fenced_before) "
				+ "VALUES (?, ?, 1, ?, ?, 0, 0)";
		this.selectClaimed = "SELECT epoch, fenced_before FROM " + this.position + " WHERE position_no = ? AND owner_id = ?";
		this.heartbeat = "UPDATE " + this.position + " SET heartbeat_at = ? WHERE position_no = ? AND owner_id = ? "
				+ "AND epoch = ?";
		this.lockHeld = "SELECT epoch FROM " + this.position + " WHERE position_no = ? AND owner_id = ? AND epoch = ? "
				+ "FOR UPDATE";
		this.release = "UPDATE " + this.position + " SET owner_id = NULL, released_cleanly = 1 WHERE position_no = ? "
				+ "AND owner_id = ? AND epoch = ?";
		this.selectFences = "SELECT position_no, fenced_before FROM " + this.position;
		this.selectIdleShares = "SELECT scope_id, meter, window_kind, window_start FROM " + this.lease
				+ " WHERE instance_id = ? AND expires_at < ?";
		this.selectGivenBack = "SELECT a.scope_id, a.meter, a.window_kind, a.window_start FROM " + this.allocation
				+ " a WHERE a.window_start >= ? AND NOT EXISTS (SELECT 1 FROM " + this.lease + " l WHERE "
				+ "l.scope_id = a.scope_id AND l.meter = a.meter AND l.window_kind = a.window_kind "
				+ "AND l.window_start = a.window_start AND l.instance_id = ?)";
	}

	/**
	 * @return SQL with parameters the position, owner and epoch
	 */
	private String held() {
		return "EXISTS (SELECT 1 FROM " + this.position + " p WHERE p.position_no = ? AND p.owner_id = ? AND p.epoch = ?)";
	}

	private static String keys(int rows) {
		StringJoiner in = new StringJoiner(", ", KEY + " IN (", ")");
		for (int i = 0; i < rows; i++) {
			in.add("(?, ?, ?, ?)");
		}
		return in.toString();
	}

	/**
	 * Inserts share rows.
	 * @param rows how many
	 * @return SQL with parameters scope, meter, kind, start, share name, amount, expiry per row
	 */
	public String insertShares(int rows) {
		StringJoiner values = new StringJoiner(", ");
		for (int i = 0; i < rows; i++) {
			values.add("(?, ?, ?, ?, ?, ?, 0, ?)");
		}
		return "INSERT INTO " + this.lease
				+ " (scope_id, meter, window_kind, window_start, instance_id, amount, committed, expires_at) VALUES "
				+ values;
	}

	/**
	 * Turns a position's share rows into this instance's leases, while the position is held.
	 * @return SQL with parameters instance, expiry, share name, the keys, then position, owner, epoch
	 */
	public String convert(int rows) {
		return "UPDATE " + this.lease + " SET instance_id = ?, expires_at = ? WHERE instance_id = ? AND " + keys(rows)
				+ " AND " + held();
	}

	/**
	 * @return SQL with parameters instance and the keys; selecting the keys that have its lease
	 */
	public String selectLeased(int rows) {
		return "SELECT scope_id, meter, window_kind, window_start FROM " + this.lease + " WHERE instance_id = ? AND "
				+ keys(rows);
	}

	/**
	 * Lowers allocations by a position's share rows, while the position is held.
	 * @return SQL with parameters share name, the keys, share name, then position, owner, epoch
	 */
	public String giveBackShares(int rows) {
		String match = "l.scope_id = " + this.allocation + ".scope_id AND l.meter = " + this.allocation
				+ ".meter AND l.window_kind = " + this.allocation + ".window_kind AND l.window_start = "
				+ this.allocation + ".window_start AND l.instance_id = ?";
		return "UPDATE " + this.allocation + " SET granted = granted - (SELECT l.amount FROM " + this.lease + " l WHERE "
				+ match + "), version = version + 1 WHERE " + keys(rows) + " AND EXISTS (SELECT 1 FROM " + this.lease
				+ " l WHERE " + match + ") AND " + held();
	}

	/**
	 * Deletes a position's share rows, while the position is held.
	 * @return SQL with parameters share name, the keys, then position, owner, epoch
	 */
	public String deleteShares(int rows) {
		return "DELETE FROM " + this.lease + " WHERE instance_id = ? AND " + keys(rows) + " AND " + held();
	}

}
