package dev.metering.benchmarks;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import dev.metering.event.UsageEvent;
import dev.metering.internal.sql.EventColumn;
import dev.metering.internal.postgres.PostgresCopyBinary;
import org.jspecify.annotations.Nullable;
import org.postgresql.copy.CopyIn;

/**
 * COPY rows (binary format) for the baseline and the staging strategy: the kit's own encoding
 * ({@link PostgresCopyBinary}), so the baseline COPYs exactly the bytes the kit would.
 */
final class CopyRows {

	/** The ledger's columns in the order of the full rows ({@link #write} with a recorded-at). */
	static final String LEDGER_COLUMNS = EventColumn.names();

	/** The columns of the staging rows ({@link #write} without a recorded-at). */
	static final String STAGING_COLUMNS = EventColumn.ALL.stream()
		.filter((column) -> column != EventColumn.RECORDED_AT)
		.map(EventColumn::columnName)
		.collect(Collectors.joining(", "));

	private CopyRows() {
	}

	/**
	 * COPYs events through the kit's encoder, in its chunks, into an open COPY.
	 * @param copyIn the COPY
	 * @param events the rows
	 * @param recordedAt the recorded-at column, or {@code null} to leave the column out
	 * @throws SQLException when the server fails
	 */
	static void write(CopyIn copyIn, List<UsageEvent> events, @Nullable Instant recordedAt) throws SQLException {
		PostgresCopyBinary rows = new PostgresCopyBinary(copyIn::writeToCopy, recordedAt);
		for (UsageEvent event : events) {
			rows.appendRow(event);
		}
		rows.finish();
	}

}
