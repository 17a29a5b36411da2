package dev.metering.internal.sql;

/**
 * Every statement of the notification outbox, the same on every database (times are epoch
 * millis in {@code BIGINT} columns, so nothing differs).
 */
public final class WebhookSql {

	/** The state of an event's own row, which decides once per event key. */
	public static final String EVENT = "event";

	/** The state of a delivery not made yet. */
	public static final String PENDING = "pending";

	/** The state of a delivery the endpoint accepted. */
	public static final String DELIVERED = "delivered";

	/** The state of a delivery given up after the retry span. */
	public static final String FAILED = "failed";

	/** Binds message_id, event_key, endpoint_id, endpoint_url, event_type, body, state, created_at, next_attempt_at. */
	public final String insert;

	/**
	 * Binds now, now, limit: the first pending delivery of each endpoint, due and unclaimed, in
	 * seq order. Rows: seq, message_id, endpoint_id, endpoint_url, event_type, body, created_at, attempts.
	 */
	public final String selectDue;

	/** Binds claimed_until, claimed_by, seq, now. */
	public final String claim;

	/** Binds done_at, last_status, seq, claimed_by. */
	public final String delivered;

	/** Binds next_attempt_at, last_status, last_error, seq, claimed_by. */
	public final String retry;

	/** Binds done_at, last_status, last_error, seq, claimed_by. */
	public final String failed;

	/**
	 * Binds limit: the latest deliveries. Rows: seq, message_id, endpoint_url, event_type, state,
	 * attempts, created_at, done_at, last_status, last_error.
	 */
	public final String selectRecent;

	/** Rows: state, count. */
	public final String countByState;

	WebhookSql(TableNames tables) {
		String outbox = tables.webhookOutbox();
		this.insert = "INSERT INTO " + outbox + " (message_id, event_key, endpoint_id, endpoint_url, event_type, body, "
				+ "state, created_at, next_attempt_at, attempts, claimed_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)";
		this.selectDue = "SELECT o.seq, o.message_id, o.endpoint_id, o.endpoint_url, o.event_type, o.body, "
				+ "o.created_at, o.attempts FROM " + outbox + " o WHERE o.state = '" + PENDING
				+ "' AND o.next_attempt_at <= ? AND o.claimed_until <= ? AND NOT EXISTS (SELECT 1 FROM " + outbox
				+ " p WHERE p.state = '" + PENDING + "' AND p.endpoint_id = o.endpoint_id AND p.seq < o.seq) "
				+ "ORDER BY o.seq LIMIT ?";
		this.claim = "UPDATE " + outbox + " SET claimed_until = ?, claimed_by = ? WHERE seq = ? AND state = '"
				+ PENDING + "' AND claimed_until <= ?";
		this.delivered = "UPDATE " + outbox + " SET state = '" + DELIVERED + "', done_at = ?, last_status = ?, "
				+ "last_error = NULL, attempts = attempts + 1, claimed_until = 0 WHERE seq = ? AND claimed_by = ?";
		this.retry = "UPDATE " + outbox + " SET next_attempt_at = ?, last_status = ?, last_error = ?, "
				+ "attempts = attempts + 1, claimed_until = 0 WHERE seq = ? AND claimed_by = ? AND state = '" + PENDING
				+ "'";
		this.failed = "UPDATE " + outbox + " SET state = '" + FAILED + "', done_at = ?, last_status = ?, last_error = ?, "
				+ "attempts = attempts + 1, claimed_until = 0 WHERE seq = ? AND claimed_by = ? AND state = '" + PENDING
				+ "'";
		this.selectRecent = "SELECT seq, message_id, endpoint_url, event_type, state, attempts, created_at, done_at, "
				+ "last_status, last_error FROM " + outbox + " WHERE state <> '" + EVENT + "' ORDER BY seq DESC LIMIT ?";
		this.countByState = "SELECT state, COUNT(*) FROM " + outbox + " GROUP BY state";
	}

}
