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

	/** Rollup rows per upsert statement: one round trip each, arrays well inside the protocol's limits. */
	private static final int ROLLUPS_PER_STATEMENT = 5_000;

	@Override
	public void insertRollupStateIfAbsent(JdbcTemplate jdbc, MeteringTables tables, String name, Instant now) {
		jdbc.update("INSERT INTO " + tables.rollupState() + " (name, watermark, updated_at) VALUES (?, 0, ?) "
				+ "ON CONFLICT DO NOTHING", name, timestamp(now));
	}

	/**
	 * One {@code INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE} per chunk, so a run
	 * that touches thousands of hours costs a handful of round trips.
	 */
	@Override
	public void upsertRollups(JdbcTemplate jdbc, MeteringTables tables, List<RollupDelta> deltas, Instant now) {
		String sql = "INSERT INTO " + tables.usageRollup() + " AS r (" + ROLLUP_COLUMNS + ") "
				+ "SELECT t, m, b, p, q, c, CAST(? AS timestamptz) FROM unnest(CAST(? AS varchar[]), "
				+ "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS timestamptz[]), CAST(? AS numeric[]), "
				+ "CAST(? AS bigint[])) AS x(t, m, b, p, q, c) "
				+ "ON CONFLICT (tenant_id, meter, billing_scope_id, period_start) DO UPDATE SET "
				+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
				+ "updated_at = EXCLUDED.updated_at";
		for (int from = 0; from < deltas.size(); from += ROLLUPS_PER_STATEMENT) {
			List<RollupDelta> chunk = deltas.subList(from, Math.min(deltas.size(), from + ROLLUPS_PER_STATEMENT));
			String[][] columns = new String[6][chunk.size()];
			for (int i = 0; i < chunk.size(); i++) {
				RollupDelta delta = chunk.get(i);
				columns[0][i] = delta.tenantId();
				columns[1][i] = delta.meter();
				columns[2][i] = delta.billingScopeId();
				columns[3][i] = delta.periodStart().toString();
				columns[4][i] = delta.quantity().toPlainString();
				columns[5][i] = Long.toString(delta.eventCount());
			}
			jdbc.execute((Connection connection) -> {
				try (PreparedStatement statement = connection.prepareStatement(sql)) {
					statement.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
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
		}
	}

}
