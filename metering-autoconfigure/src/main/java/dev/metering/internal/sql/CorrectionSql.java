package dev.metering.internal.sql;

/**
 * Every statement of corrections (voids and corrected quantities), the same on every database.
 * A correction is a ledger row of its own whose {@code corrects_event_id} names the event it
 * corrects; its source is {@link #VOID} or {@link #CORRECTION}. Event ids are bound as
 * {@code UUID}s, as text on MySQL and MariaDB ({@code CHAR(36)} there).
 */
public final class CorrectionSql {

	/** The source of a row that voids its event. */
	public static final String VOID = "void";

	/** The source of a row that changes its event's quantity. */
	public static final String CORRECTION = "correction";

	private static final String ORIGINAL_COLUMNS = "event_id, tenant_id, billing_scope_id, meter, quantity, "
			+ "occurred_at, corrects_event_id";

	/** An event. Parameter: event id. Selects {@value #ORIGINAL_COLUMNS}. */
	public final String selectEvent;

	/**
	 * An event, its row locked until the transaction ends, so corrections of one event are made
	 * one after the other. Parameter: event id.
	 */
	public final String lockEvent;

	/**
	 * What the corrections of an event add up to. Parameter: event id. Selects (sum of their
	 * quantities, their number, the number of voids among them).
	 */
	public final String correctionsOf;

	/**
	 * Appends a correction copied from its event (tenant, scope, meter, user, resource,
	 * dimensions). Parameters: new event id, quantity, occurred_at, recorded_at, source, event id.
	 */
	public final String insertCorrection;

	/**
	 * Moves a hard quota's allocation by what a correction changed in the ledger, so the
	 * invariant (granted = ledger usage + unused leases) holds. Parameters: change, scope, meter,
	 * window kind, window start (epoch seconds).
	 */
	public final String moveAllocation;

	/**
	 * The corrections billed to a scope that moved out of their event's closed period (their
	 * occurred_at is not their event's), made before {@code to}, of events before {@code from}.
	 * Parameters: scope, to, from. Selects (meter, quantity, occurred_at, event's occurred_at).
	 */
	public final String movedCorrections;

	CorrectionSql(TableNames tables) {
		String ledger = tables.usageEvent();
		this.selectEvent = "SELECT " + ORIGINAL_COLUMNS + " FROM " + ledger + " WHERE event_id = ?";
		this.lockEvent = this.selectEvent + " FOR UPDATE";
		this.correctionsOf = "SELECT COALESCE(SUM(quantity), 0), COUNT(*), "
				+ "COALESCE(SUM(CASE WHEN source = '" + VOID + "' THEN 1 ELSE 0 END), 0) FROM " + ledger
				+ " WHERE corrects_event_id = ?";
		this.insertCorrection = "INSERT INTO " + ledger + " (event_id, tenant_id, billing_scope_id, meter, quantity, "
				+ "occurred_at, recorded_at, user_id, resource, source, dimensions, corrects_event_id) "
				+ "SELECT ?, tenant_id, billing_scope_id, meter, ?, ?, ?, user_id, resource, ?, dimensions, event_id FROM "
				+ ledger + " WHERE event_id = ?";
		this.moveAllocation = "UPDATE " + tables.quotaAllocation() + " SET granted = granted + ?, version = version + 1 "
				+ "WHERE scope_id = ? AND meter = ? AND window_kind = ? AND window_start = ?";
		this.movedCorrections = "SELECT c.meter, c.quantity, c.occurred_at, o.occurred_at FROM " + ledger + " c JOIN "
				+ ledger + " o ON o.event_id = c.corrects_event_id WHERE c.corrects_event_id IS NOT NULL "
				+ "AND c.billing_scope_id = ? AND c.occurred_at < ? AND o.occurred_at < ? "
				+ "AND c.occurred_at <> o.occurred_at";
	}

}
