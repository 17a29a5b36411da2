package dev.metering.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;

import dev.metering.event.DimensionsJson;
import dev.metering.event.UsageEvent;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * MySQL and MariaDB: multi-row {@code INSERT IGNORE}, whose affected-row count is exactly the
 * rows inserted. Timestamps are stored as UTC in {@code DATETIME(6)}. Events are validated before
 * they get here, so IGNORE only ever skips duplicate keys.
 */
final class MySqlSqlDialect extends SqlDialect {

	/** Rows per statement: large enough to amortize the round trip, small enough for max_allowed_packet. */
	private static final int ROWS_PER_STATEMENT = 500;

	private static final int COLUMNS = 12;

	@Override
	public String platform() {
		return "mysql";
	}

	@Override
	public InsertResult insertEvents(JdbcTemplate jdbc, MeteringTables tables, List<UsageEvent> events,
			Instant recordedAt) {
		LocalDateTime recorded = LocalDateTime.ofInstant(recordedAt, ZoneOffset.UTC);
		int inserted = 0;
		for (int from = 0; from < events.size(); from += ROWS_PER_STATEMENT) {
			List<UsageEvent> chunk = events.subList(from, Math.min(events.size(), from + ROWS_PER_STATEMENT));
			Integer count = jdbc.execute((Connection connection) -> {
				try (PreparedStatement statement = connection.prepareStatement(insertSql(tables, chunk.size()))) {
					int p = 1;
					for (UsageEvent event : chunk) {
						statement.setString(p++, event.eventId().toString());
						statement.setString(p++, event.idempotencyKey());
						statement.setString(p++, event.tenantId());
						statement.setString(p++, event.billingScopeId());
						statement.setString(p++, event.meter());
						statement.setBigDecimal(p++, event.quantity());
						statement.setObject(p++, LocalDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC));
						statement.setObject(p++, recorded);
						statement.setString(p++, event.userId());
						statement.setString(p++, event.resource());
						statement.setString(p++, event.source().id());
						statement.setString(p++, DimensionsJson.encode(event.dimensions()));
					}
					return statement.executeUpdate();
				}
			});
			inserted += (count != null) ? count : 0;
		}
		return new InsertResult(inserted, events.size() - inserted);
	}

	@Override
	public Object timestamp(Instant instant) {
		return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

	private static String insertSql(MeteringTables tables, int rows) {
		String row = "(" + "?, ".repeat(COLUMNS - 1) + "?)";
		StringBuilder sql = new StringBuilder("INSERT IGNORE INTO ").append(tables.usageEvent())
			.append(" (")
			.append(EVENT_COLUMNS)
			.append(") VALUES ");
		for (int i = 0; i < rows; i++) {
			sql.append((i > 0) ? ", " : "").append(row);
		}
		return sql.toString();
	}

	@Override
	public void insertRollupStateIfAbsent(JdbcTemplate jdbc, MeteringTables tables, String name, Instant now) {
		jdbc.update("INSERT IGNORE INTO " + tables.rollupState() + " (name, watermark, updated_at) VALUES (?, 0, ?)",
				name, timestamp(now));
	}

	/**
	 * Multi-row {@code INSERT ... ON DUPLICATE KEY UPDATE}. It uses {@code VALUES(column)}, which
	 * MariaDB needs (it has no row alias) and MySQL 8 still accepts.
	 */
	@Override
	public void upsertRollups(JdbcTemplate jdbc, MeteringTables tables, List<RollupDelta> deltas, Instant now) {
		LocalDateTime updated = LocalDateTime.ofInstant(now, ZoneOffset.UTC);
		for (int from = 0; from < deltas.size(); from += ROWS_PER_STATEMENT) {
			List<RollupDelta> chunk = deltas.subList(from, Math.min(deltas.size(), from + ROWS_PER_STATEMENT));
			String sql = "INSERT INTO " + tables.usageRollup() + " (" + ROLLUP_COLUMNS + ") VALUES "
					+ String.join(", ", Collections.nCopies(chunk.size(), "(?, ?, ?, ?, ?, ?, ?)"))
					+ " ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity), "
					+ "event_count = event_count + VALUES(event_count), updated_at = VALUES(updated_at)";
			jdbc.execute((Connection connection) -> {
				try (PreparedStatement statement = connection.prepareStatement(sql)) {
					int p = 1;
					for (RollupDelta delta : chunk) {
						statement.setString(p++, delta.tenantId());
						statement.setString(p++, delta.meter());
						statement.setString(p++, delta.billingScopeId());
						statement.setObject(p++, LocalDateTime.ofInstant(delta.periodStart(), ZoneOffset.UTC));
						statement.setBigDecimal(p++, delta.quantity());
						statement.setLong(p++, delta.eventCount());
						statement.setObject(p++, updated);
					}
					return statement.executeUpdate();
				}
			});
		}
	}

	@Override
	public Instant readTimestamp(ResultSet rs, int column) throws SQLException {
		return rs.getObject(column, LocalDateTime.class).toInstant(ZoneOffset.UTC);
	}

}
