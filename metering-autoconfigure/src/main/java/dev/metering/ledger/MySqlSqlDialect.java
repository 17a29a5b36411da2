package dev.metering.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLWarning;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.metering.internal.sql.EventColumn;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MySqlSql;
import dev.metering.event.UsageEvent;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataIntegrityViolationException;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * MySQL and MariaDB: multi-row {@code INSERT IGNORE} ({@link MySqlSql#insertEvents}), whose affected-row count is exactly the
 * rows inserted. Timestamps are stored as UTC in {@code DATETIME(6)}. IGNORE is there to skip
 * duplicate keys, but it also turns data errors (a value too long, out of range) into warnings
 * and stores the row changed: such a warning fails the statement, so the row is refused as on
 * the other databases.
 */
final class MySqlSqlDialect extends SqlDialect {

	/** Rows per statement: large enough to amortize the round trip, small enough for max_allowed_packet. */
	private static final int ROWS_PER_STATEMENT = 500;

	/**
	 * Warnings that mean a row was stored other than as given: column cannot be null, out of
	 * range, data truncated, incorrect value, too long. Duplicate keys (1062) are what IGNORE is for.
	 */
	private static final Set<Integer> DATA_ERRORS = Set.of(1048, 1264, 1265, 1292, 1366, 1406);

	private final MySqlSql sql;

	/** The statement of a full chunk, built once; shorter chunks (a batch's last) build their own. */
	private final String insertFullChunk;

	MySqlSqlDialect(MySqlSql sql) {
		this.sql = sql;
		this.insertFullChunk = sql.insertEvents(ROWS_PER_STATEMENT);
	}

	@Override
	InsertResult insertEvents(JdbcTemplate jdbc, List<UsageEvent> events, Instant recordedAt) {
		int inserted = 0;
		for (int from = 0; from < events.size(); from += ROWS_PER_STATEMENT) {
			List<UsageEvent> chunk = events.subList(from, Math.min(events.size(), from + ROWS_PER_STATEMENT));
			String sql = (chunk.size() == ROWS_PER_STATEMENT) ? this.insertFullChunk : this.sql.insertEvents(chunk.size());
			Integer count = jdbc.execute((Connection connection) -> {
				try (PreparedStatement statement = connection.prepareStatement(sql)) {
					int p = 1;
					for (UsageEvent event : chunk) {
						for (EventColumn column : EventColumn.ALL) {
							column.bind(statement, p++, event, recordedAt, LedgerDatabase.MYSQL);
						}
					}
					int rows = statement.executeUpdate();
					refuseDataErrors(statement.getWarnings());
					return rows;
				}
			});
			inserted += (count != null) ? count : 0;
		}
		return new InsertResult(inserted, events.size() - inserted);
	}

	/** Fails the insert (and so its transaction) when IGNORE stored a row changed. */
	private static void refuseDataErrors(@Nullable SQLWarning warning) {
		for (SQLWarning w = warning; w != null; w = w.getNextWarning()) {
			if (DATA_ERRORS.contains(w.getErrorCode())) {
				throw new DataIntegrityViolationException("Ledger row refused: " + w.getMessage());
			}
		}
	}

}
