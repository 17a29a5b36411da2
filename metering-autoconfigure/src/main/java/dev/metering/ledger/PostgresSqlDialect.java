package dev.metering.ledger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import dev.metering.event.DimensionsJson;
import dev.metering.event.UsageEvent;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL: a whole batch is one {@code INSERT ... SELECT FROM unnest(arrays)} with
 * {@code ON CONFLICT DO NOTHING}, so one round trip writes it and the update count is exact
 * whatever the driver's {@code reWriteBatchedInserts} setting.
 */
final class PostgresSqlDialect extends SqlDialect {

	@Override
	public String platform() {
		return "postgresql";
	}

	@Override
	public InsertResult insertEvents(JdbcTemplate jdbc, MeteringTables tables, List<UsageEvent> events,
			Instant recordedAt) {
		String sql = "INSERT INTO " + tables.usageEvent() + " (" + EVENT_COLUMNS + ") "
				+ "SELECT e, k, t, b, m, q, o, CAST(? AS timestamptz), u, r, s, d FROM unnest("
				+ "CAST(? AS uuid[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), "
				+ "CAST(? AS varchar[]), CAST(? AS numeric[]), CAST(? AS timestamptz[]), CAST(? AS varchar[]), "
				+ "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS jsonb[])) AS x(e, k, t, b, m, q, o, u, r, s, d) "
				+ "ON CONFLICT DO NOTHING";
		int size = events.size();
		String[][] columns = new String[11][size];
		for (int i = 0; i < size; i++) {
			UsageEvent event = events.get(i);
			columns[0][i] = event.eventId().toString();
			columns[1][i] = event.idempotencyKey();
			columns[2][i] = event.tenantId();
			columns[3][i] = event.billingScopeId();
			columns[4][i] = event.meter();
			columns[5][i] = event.quantity().toPlainString();
			columns[6][i] = event.occurredAt().toString();
			columns[7][i] = event.userId();
			columns[8][i] = event.resource();
			columns[9][i] = event.source().id();
			columns[10][i] = DimensionsJson.encode(event.dimensions());
		}
		Integer inserted = jdbc.execute((Connection connection) -> {
			try (PreparedStatement statement = connection.prepareStatement(sql)) {
				statement.setObject(1, OffsetDateTime.ofInstant(recordedAt, ZoneOffset.UTC));
				Array[] arrays = new Array[columns.length];
				for (int c = 0; c < columns.length; c++) {
					arrays[c] = connection.createArrayOf("text", columns[c]);
					statement.setArray(c + 2, arrays[c]);
				}
				try {
					return statement.executeUpdate();
				}
				finally {
					for (Array array : arrays) {
						array.free();
					}
				}
			}
		});
		int rows = (inserted != null) ? inserted : 0;
		return new InsertResult(rows, size - rows);
	}

}
