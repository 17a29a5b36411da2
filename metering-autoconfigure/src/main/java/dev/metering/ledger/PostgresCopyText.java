package dev.metering.ledger;

import dev.metering.event.DimensionsJson;
import dev.metering.event.UsageEvent;
import org.jspecify.annotations.Nullable;

/**
 * Ledger rows in PostgreSQL's {@code COPY ... FROM STDIN} text format: tab-separated,
 * {@code \N} for null, backslash escapes for backslash, tab, newline and carriage return (the
 * JSON of dimensions may hold a backslash, so escaping is not optional). Columns in the order of
 * {@link SqlDialect#EVENT_COLUMNS}.
 */
public final class PostgresCopyText {

	/** The ledger columns of a full row, in order. */
	public static final String COLUMNS = SqlDialect.EVENT_COLUMNS;

	private PostgresCopyText() {
	}

	/**
	 * Appends one row.
	 * @param out where to append
	 * @param event the event
	 * @param recordedAt the {@code recorded_at} value (ISO-8601), or {@code null} to leave the
	 * column out (a staging table without it)
	 */
	public static void appendRow(StringBuilder out, UsageEvent event, @Nullable String recordedAt) {
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

	private static StringBuilder appendValue(StringBuilder out, @Nullable String value) {
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
