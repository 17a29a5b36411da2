package dev.metering.benchmarks;

import java.time.Instant;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.PostgresCopyText;

/**
 * COPY text rows for the baseline and the staging strategy: the kit's own encoding
 * ({@link PostgresCopyText}), so the baseline COPYs exactly the bytes the kit would.
 */
final class CopyText {

	/** The ledger's columns in the order of the full rows ({@link #appendRow} with a recorded-at). */
	static final String LEDGER_COLUMNS = PostgresCopyText.COLUMNS;

	/** The columns of the staging rows ({@link #appendRow} without a recorded-at). */
	static final String STAGING_COLUMNS = "event_id, idempotency_key, tenant_id, billing_scope_id, meter, quantity, "
			+ "occurred_at, user_id, resource, source, dimensions";

	private CopyText() {
	}

	/**
	 * Appends one row.
	 * @param out where to append
	 * @param event the event
	 * @param recordedAt the recorded-at column, or {@code null} to leave the column out
	 */
	static void appendRow(StringBuilder out, UsageEvent event, Instant recordedAt) {
		PostgresCopyText.appendRow(out, event, (recordedAt != null) ? recordedAt.toString() : null);
	}

}
