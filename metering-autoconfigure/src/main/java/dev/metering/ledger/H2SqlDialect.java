package dev.metering.ledger;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import dev.metering.event.DimensionsJson;
import dev.metering.event.UsageEvent;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * H2: a JDBC batch of {@code INSERT ... SELECT ... WHERE NOT EXISTS} (H2 has no
 * {@code ON CONFLICT DO NOTHING} outside its PostgreSQL mode). Each statement sees the rows of
 * the statements before it, so duplicates inside one batch are skipped too. The idempotency
 * check runs only for keyed events: H2 would otherwise range-scan the tenant's rows for a NULL
 * key on every insert, which makes a large ledger quadratic.
 */
final class H2SqlDialect extends SqlDialect {

	@Override
	public String platform() {
		return "h2";
	}

	@Override
	public InsertResult insertEvents(JdbcTemplate jdbc, MeteringTables tables, List<UsageEvent> events,
			Instant recordedAt) {
		String table = tables.usageEvent();
		String sql = "INSERT INTO " + table + " (" + EVENT_COLUMNS + ") "
				+ "SELECT CAST(? AS UUID), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), "
				+ "CAST(? AS VARCHAR), CAST(? AS NUMERIC(38, 9)), CAST(? AS TIMESTAMP WITH TIME ZONE), "
				+ "CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), "
				+ "CAST(? AS VARCHAR) FROM (VALUES (0)) AS one(x) "
				+ "WHERE NOT EXISTS (SELECT 1 FROM " + table + " WHERE event_id = CAST(? AS UUID)) "
				+ "AND (CAST(? AS VARCHAR) IS NULL OR NOT EXISTS (SELECT 1 FROM " + table
				+ " WHERE tenant_id = CAST(? AS VARCHAR) AND idempotency_key = CAST(? AS VARCHAR)))";
		OffsetDateTime recorded = OffsetDateTime.ofInstant(recordedAt, ZoneOffset.UTC);
		int[] counts = jdbc.batchUpdate(sql, new BatchPreparedStatementSetter() {

			@Override
			public void setValues(PreparedStatement ps, int i) throws SQLException {
				UsageEvent event = events.get(i);
				ps.setObject(1, event.eventId());
				ps.setString(2, event.idempotencyKey());
				ps.setString(3, event.tenantId());
				ps.setString(4, event.billingScopeId());
				ps.setString(5, event.meter());
				ps.setBigDecimal(6, event.quantity());
				ps.setObject(7, OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC));
				ps.setObject(8, recorded);
				ps.setString(9, event.userId());
				ps.setString(10, event.resource());
				ps.setString(11, event.source().id());
				ps.setString(12, DimensionsJson.encode(event.dimensions()));
				ps.setObject(13, event.eventId());
				ps.setString(14, event.idempotencyKey());
				ps.setString(15, event.tenantId());
				ps.setString(16, event.idempotencyKey());
			}

			@Override
			public int getBatchSize() {
				return events.size();
			}

		});
		int inserted = 0;
		for (int count : counts) {
			inserted += Math.max(count, 0);
		}
		return new InsertResult(inserted, events.size() - inserted);
	}

	@Override
	public void insertRollupStateIfAbsent(JdbcTemplate jdbc, MeteringTables tables, String name, Instant now) {
		jdbc.update("INSERT INTO " + tables.rollupState() + " (name, watermark, updated_at) "
				+ "SELECT CAST(? AS VARCHAR), 0, CAST(? AS TIMESTAMP WITH TIME ZONE) FROM (VALUES (0)) AS one(x) "
				+ "WHERE NOT EXISTS (SELECT 1 FROM " + tables.rollupState() + " WHERE name = CAST(? AS VARCHAR))", name,
				timestamp(now), name);
	}

	/** A JDBC batch of {@code MERGE INTO ... USING (VALUES ...)}, H2's standard upsert. */
	@Override
	public void upsertRollups(JdbcTemplate jdbc, MeteringTables tables, List<RollupDelta> deltas, Instant now) {
		String sql = "MERGE INTO " + tables.usageRollup() + " AS r USING (VALUES (CAST(? AS VARCHAR), "
				+ "CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TIMESTAMP WITH TIME ZONE), "
				+ "CAST(? AS NUMERIC(38, 9)), CAST(? AS BIGINT), CAST(? AS TIMESTAMP WITH TIME ZONE))) "
				+ "AS v(tenant_id, meter, billing_scope_id, period_start, quantity, event_count, updated_at) "
				+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.billing_scope_id = v.billing_scope_id "
				+ "AND r.period_start = v.period_start "
				+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
				+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
				+ "WHEN NOT MATCHED THEN INSERT (" + ROLLUP_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
				+ "v.billing_scope_id, v.period_start, v.quantity, v.event_count, v.updated_at)";
		OffsetDateTime updated = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
		jdbc.batchUpdate(sql, new BatchPreparedStatementSetter() {

			@Override
			public void setValues(PreparedStatement ps, int i) throws SQLException {
				RollupDelta delta = deltas.get(i);
				ps.setString(1, delta.tenantId());
				ps.setString(2, delta.meter());
				ps.setString(3, delta.billingScopeId());
				ps.setObject(4, OffsetDateTime.ofInstant(delta.periodStart(), ZoneOffset.UTC));
				ps.setBigDecimal(5, delta.quantity());
				ps.setLong(6, delta.eventCount());
				ps.setObject(7, updated);
			}

			@Override
			public int getBatchSize() {
				return deltas.size();
			}

		});
	}

}
