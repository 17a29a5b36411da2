package dev.metering.benchmarks;

import java.time.Instant;

import dev.metering.event.DimensionsJson;
import dev.metering.event.UsageEvent;

/**
 * Encodes usage events as rows of PostgreSQL's {@code COPY ... FROM STDIN} text format: tab
 * separated, {@code \N} for null, backslash escapes for backslash, tab, newline and carriage
 * return (the JSON of dimensions may hold a backslash, so escaping is not optional).
 */
final class CopyText {

	/** The ledger's columns in the order of the full rows ({@link #appendRow} with a recorded-at). */
	static final String LEDGER_COLUMNS = "event_id, idempotency_key, tenant_id, billing_scope_id, meter, quantity, "
			+ "occurred_at, recorded_at, user_id, resource, source, dimensions";

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
		out.append(event.eventId()).append('\t');
		appendValue(out, event.idempotencyKey()).append('\t');
		appendValue(out, event.tenantId()).append('\t');
		appendValue(out, event.billingScopeId()).append('\t');
		appendValue(out, event.meter()).append('\t');
		out.append(event.quantity().toPlainString()).append('\t');
		out.append(event.occurredAt()).append('\t');
		if (recordedAt != null) {
			out.append(recordedAt).append('\t');
		}
		appendValue(out, event.userId()).append('\t');
		appendValue(out, event.resource()).append('\t');
		appendValue(out, event.source().id()).append('\t');
		appendValue(out, DimensionsJson.encode(event.dimensions())).append('\n');
	}

	private static StringBuilder appendValue(StringBuilder out, String value) {
		if (value == null) {
			return out.append("\\N");
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '\\' -> out.append("\\\\");
				case '\t' -> out.append("\\t");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				default -> out.append(c);
			}
		}
		return out;
	}

}
