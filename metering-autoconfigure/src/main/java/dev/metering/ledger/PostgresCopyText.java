package dev.metering.ledger;

import java.time.Instant;

import dev.metering.event.UsageEvent;
import org.jspecify.annotations.Nullable;

/**
 * Ledger rows in PostgreSQL's {@code COPY ... FROM STDIN} text format: tab-separated,
 * {@code \N} for null, backslash escapes for backslash, tab, newline and carriage return (the
 * JSON of dimensions may hold a backslash, so escaping is not optional). Columns in the order of
 * {@link EventColumn}.
 */
public final class PostgresCopyText {

	private PostgresCopyText() {
	}

	/**
	 * Appends one row.
	 * @param out where to append
	 * @param event the event
	 * @param recordedAt the {@code recorded_at} value (ISO-8601, formatted once per batch), or
	 * {@code null} to leave the column out (a staging table without it)
	 */
	public static void appendRow(StringBuilder out, UsageEvent event, @Nullable String recordedAt) {
		boolean first = true;
		for (EventColumn column : EventColumn.ALL) {
			if (column == EventColumn.RECORDED_AT && recordedAt == null) {
				continue;
			}
			if (!first) {
				out.append('\t');
			}
			first = false;
			String text = (column == EventColumn.RECORDED_AT) ? recordedAt : column.text(event, Instant.EPOCH);
			if (column.type().isFreeText()) {
				appendEscaped(out, text);
			}
			else {
				out.append((text != null) ? text : "\\N");
			}
		}
		out.append('\n');
	}

	private static void appendEscaped(StringBuilder out, @Nullable String value) {
		if (value == null) {
			out.append("\\N");
			return;
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
	}

}
