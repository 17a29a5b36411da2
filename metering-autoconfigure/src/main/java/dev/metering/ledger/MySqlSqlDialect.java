package dev.metering.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;

import dev.metering.internal.sql.EventColumn;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MySqlSql;
import dev.metering.event.UsageEvent;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * MySQL and MariaDB: multi-row {@code INSERT IGNORE} ({@link MySqlSql#insertEvents}), whose affected-row count is exactly the
 * rows inserted. Timestamps are stored as UTC in {@code DATETIME(6)}. Events are validated before
 * they get here, so IGNORE only ever skips duplicate keys.
 */
final class MySqlSqlDialect extends SqlDialect {

	/** Rows per statement: large enough to amortize the round trip, small enough for max_allowed_packet. */
	private static final int ROWS_PER_STATEMENT = 500;

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
					return statement.executeUpdate();
				}
			});
			inserted += (count != null) ? count : 0;
		}
		return new InsertResult(inserted, events.size() - inserted);
	}

}
