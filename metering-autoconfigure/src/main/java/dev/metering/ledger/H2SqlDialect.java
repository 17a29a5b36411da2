package dev.metering.ledger;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

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

	/** The columns as typed parameters: H2 cannot infer a parameter's type in a SELECT list. */
	private static final String TYPED_PARAMETERS = EventColumn.ALL.stream()
		.map((column) -> "CAST(? AS " + castType(column.type()) + ")")
		.collect(Collectors.joining(", "));

	private static final String INSERT_EVENT = "INSERT INTO %PREFIX%usage_event (" + EventColumn.names() + ") "
			+ "SELECT " + TYPED_PARAMETERS + " FROM (VALUES (0)) AS one(x) "
			+ "WHERE NOT EXISTS (SELECT 1 FROM %PREFIX%usage_event WHERE event_id = CAST(? AS UUID)) "
			+ "AND (CAST(? AS VARCHAR) IS NULL OR NOT EXISTS (SELECT 1 FROM %PREFIX%usage_event "
			+ "WHERE tenant_id = CAST(? AS VARCHAR) AND idempotency_key = CAST(? AS VARCHAR)))";

	private final String insertEvent;

	H2SqlDialect(MeteringTables tables) {
		this.insertEvent = tables.resolve(INSERT_EVENT);
	}

	@Override
	InsertResult insertEvents(JdbcTemplate jdbc, List<UsageEvent> events, Instant recordedAt) {
		int[] counts = jdbc.batchUpdate(this.insertEvent, new BatchPreparedStatementSetter() {

			@Override
			public void setValues(PreparedStatement ps, int i) throws SQLException {
				UsageEvent event = events.get(i);
				int p = 1;
				for (EventColumn column : EventColumn.ALL) {
					column.bind(ps, p++, event, recordedAt, LedgerDatabase.H2);
				}
				ps.setObject(p++, event.eventId());
				ps.setString(p++, event.idempotencyKey());
				ps.setString(p++, event.tenantId());
				ps.setString(p, event.idempotencyKey());
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

	private static String castType(EventColumn.Type type) {
		return switch (type) {
			case UUID -> "UUID";
			case TEXT, JSON -> "VARCHAR";
			case DECIMAL -> "NUMERIC(38, 9)";
			case TIMESTAMP -> "TIMESTAMP WITH TIME ZONE";
		};
	}

}
