package dev.metering.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
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

}
