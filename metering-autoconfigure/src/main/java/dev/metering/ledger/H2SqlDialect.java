package dev.metering.ledger;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import dev.metering.internal.sql.EventColumn;
import dev.metering.internal.sql.H2Sql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.event.UsageEvent;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * H2: a JDBC batch of {@link H2Sql#insertEvent()}, one statement per event, each skipping an
 * event whose id or idempotency key the ledger (or an earlier statement of the batch) holds.
 */
final class H2SqlDialect extends SqlDialect {

	private final String insertEvent;

	H2SqlDialect(H2Sql sql) {
		this.insertEvent = sql.insertEvent();
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

}
