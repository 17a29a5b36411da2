package dev.metering.benchmarks;

import java.time.Instant;
import java.util.stream.Collectors;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.EventColumn;
import dev.metering.ledger.PostgresCopyText;

/**
 * COPY text rows for the baseline and the staging strategy: the kit's own encoding
 * ({@link PostgresCopyText}), so the baseline COPYs exactly the bytes the kit would.
 */
final class CopyText {

	/** The ledger's columns in the order of the full rows ({@link #appendRow} with a recorded-at). */
	static final String LEDGER_COLUMNS = EventColumn.names();

	/** The columns of the staging rows ({@link #appendRow} without a recorded-at). */
	static final String STAGING_COLUMNS = EventColumn.ALL.stream()
		.filter((column) -> column != EventColumn.RECORDED_AT)
		.map(EventColumn::columnName)
		.collect(Collectors.joining(", "));

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
