package dev.metering.internal.sql;

/**
 * Every statement of billing reports, usage summaries and idempotency look-ups, the same on
 * every database (they use only SQL the three share). Timestamps are bound with
 * {@link LedgerDatabase#timestamp}.
 * <p>
 * Reads that must equal the ledger combine the rollups with the ledger rows the rollup job
 * has not folded yet (above its watermark, or in an open gap) in one statement, so both parts
 * see the same snapshot, as {@code RollupUsageReader} does.
 */
public final class BillingSql {

	/**
	 * The rollup's watermark and lowest open gap, to bound the scan of unfolded rows.
	 * Parameter: rollup name.
	 */
	public final String rollupProgress;

	/**
	 * A tenant's hourly rollup rows and unfolded ledger rows of one meter in {@code [from, to)}
	 * (whole hours). Parameters: tenant, meter, from, to, lowest unfolded id, tenant, meter,
	 * from, to, rollup name, rollup name. Selects (instant, quantity).
	 */
	public final String tenantHoursAndUnfolded;

	/**
	 * The tenants whose usage is billed to a scope in {@code [from, to)}. Parameters: scope,
	 * from, to, lowest unfolded id, scope, from, to, rollup name, rollup name.
	 */
	public final String attributedTenants;

	/**
	 * The heaviest users of a tenant for a meter in {@code [from, to)} (whole hours): the daily
	 * per-user rollups of the whole UTC days inside it, the hourly ones of the hours before the
	 * first and after the last whole day, plus the ledger rows not folded yet; so the scan follows
	 * users × days, not events. Parameters: tenant, meter, first whole day, end of the last whole
	 * day (daily); tenant, meter, from, first whole day (hours before); tenant, meter, end of the
	 * last whole day, to (hours after); lowest unfolded id, tenant, meter, from, to, rollup name,
	 * rollup name, limit. Selects (user, quantity, events).
	 */
	public final String topUsers;

	/**
	 * {@link #topUsers} from the hourly per-user rollups only (the statement before the daily
	 * ones, kept as the benchmark's baseline). Parameters: tenant, meter, from, to, lowest
	 * unfolded id, tenant, meter, from, to, rollup name, rollup name, limit.
	 */
	public final String topUsersFromHours;

	/**
	 * The event id a tenant's idempotency key was recorded under. Parameters: tenant, key.
	 */
	public final String eventIdByIdempotencyKey;

	private final String eventIdsByIdempotencyKeys;

	/**
	 * The statements for a set of tables.
	 * @param tables the table names
	 */
	public BillingSql(TableNames tables) {
		String event = tables.usageEvent();
		String rollup = tables.usageRollup();
		String unfolded = " AND (e.id > COALESCE((SELECT s.watermark FROM " + tables.rollupState()
				+ " s WHERE s.name = ?), 0) OR EXISTS (SELECT 1 FROM " + tables.rollupGap()
				+ " g WHERE g.name = ? AND e.id BETWEEN g.gap_start AND g.gap_end))";
		this.rollupProgress = "SELECT s.watermark, (SELECT MIN(g.gap_start) FROM " + tables.rollupGap()
				+ " g WHERE g.name = s.name) FROM " + tables.rollupState() + " s WHERE s.name = ?";
		this.tenantHoursAndUnfolded = "SELECT r.period_start, r.quantity FROM " + rollup
				+ " r WHERE r.tenant_id = ? AND r.meter = ? AND r.period_start >= ? AND r.period_start < ?"
				+ " UNION ALL SELECT e.occurred_at, e.quantity FROM " + event
				+ " e WHERE e.id >= ? AND e.tenant_id = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ?"
				+ unfolded;
		this.attributedTenants = "SELECT r.tenant_id FROM " + rollup
				+ " r WHERE r.billing_scope_id = ? AND r.period_start >= ? AND r.period_start < ?"
				+ " UNION SELECT e.tenant_id FROM " + event
				+ " e WHERE e.id >= ? AND e.billing_scope_id = ? AND e.occurred_at >= ? AND e.occurred_at < ?"
				+ unfolded;
		String hours = " r WHERE r.tenant_id = ? AND r.meter = ? AND r.period_start >= ? AND r.period_start < ?";
		this.topUsers = "SELECT t.user_id, SUM(t.quantity), SUM(t.events) FROM (SELECT d.user_id, d.quantity,"
				+ " d.event_count AS events FROM " + tables.usageUserDay()
				+ " d WHERE d.tenant_id = ? AND d.meter = ? AND d.day_start >= ? AND d.day_start < ?"
				+ " UNION ALL SELECT r.user_id, r.quantity, r.event_count FROM " + tables.usageUserRollup() + hours
				+ " UNION ALL SELECT r.user_id, r.quantity, r.event_count FROM " + tables.usageUserRollup() + hours
				+ " UNION ALL SELECT e.user_id, e.quantity, 1 FROM " + event
				+ " e WHERE e.id >= ? AND e.tenant_id = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ?"
				+ " AND e.user_id IS NOT NULL" + unfolded
				+ ") t GROUP BY t.user_id ORDER BY SUM(t.quantity) DESC, t.user_id LIMIT ?";
		this.topUsersFromHours = "SELECT t.user_id, SUM(t.quantity), SUM(t.events) FROM (SELECT r.user_id, r.quantity,"
				+ " r.event_count AS events FROM " + tables.usageUserRollup()
				+ " r WHERE r.tenant_id = ? AND r.meter = ? AND r.period_start >= ? AND r.period_start < ?"
				+ " UNION ALL SELECT e.user_id, e.quantity, 1 FROM " + event
				+ " e WHERE e.id >= ? AND e.tenant_id = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ?"
				+ " AND e.user_id IS NOT NULL" + unfolded
				+ ") t GROUP BY t.user_id ORDER BY SUM(t.quantity) DESC, t.user_id LIMIT ?";
		this.eventIdByIdempotencyKey = "SELECT e.event_id FROM " + event
				+ " e WHERE e.tenant_id = ? AND e.idempotency_key = ?";
		this.eventIdsByIdempotencyKeys = "SELECT e.idempotency_key, e.event_id FROM " + event
				+ " e WHERE e.tenant_id = ? AND e.idempotency_key IN (";
	}

	/**
	 * The ids of a tenant's events recorded under any of {@code keys} idempotency keys: the
	 * tenant, then the keys as parameters.
	 * @param keys how many keys (placeholders only: never the keys themselves)
	 * @return the statement
	 */
	public String eventIdsByIdempotencyKeys(int keys) {
		return this.eventIdsByIdempotencyKeys + DatabaseSql.values(keys, "?") + ")";
	}

}
