package dev.metering.rollup;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;

import dev.metering.ledger.LedgerDatabase;
import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The rollup statements that differ between databases: creating the progress row unless it
 * exists, and adding deltas to rollup rows (an upsert). The rest of the rollup's SQL is the same
 * everywhere and lives with the class that runs it. Statements are resolved once, at creation.
 */
abstract sealed class RollupDialect {

	/** The rollup columns every upsert binds, in order. */
	static final String ROLLUP_COLUMNS = "tenant_id, meter, billing_scope_id, period_start, quantity, event_count, "
			+ "updated_at";

	/**
	 * Creates a rollup's progress row (watermark 0) unless it exists. Another instance may create
	 * it at the same moment: the caller treats a duplicate key as success.
	 * @param jdbc the template to run on
	 * @param name the rollup's name
	 * @param now the {@code updated_at}
	 */
	abstract void insertStateIfAbsent(JdbcTemplate jdbc, String name, Instant now);

	/**
	 * Adds deltas to their rollup rows, creating missing rows, inside the caller's transaction.
	 * Each key appears at most once in {@code deltas}.
	 * @param jdbc the template to run on
	 * @param deltas what to add
	 * @param now the {@code updated_at} of every touched row
	 */
	abstract void upsert(JdbcTemplate jdbc, List<RollupDelta> deltas, Instant now);

	static RollupDialect of(LedgerDatabase database, MeteringTables tables) {
		return switch (database) {
			case POSTGRESQL -> new Postgres(tables);
			case H2 -> new H2(tables);
			case MYSQL -> new MySql(tables);
		};
	}

	/** H2: a JDBC batch of {@code MERGE INTO ... USING (VALUES ...)}, H2's standard upsert. */
	static final class H2 extends RollupDialect {

		private static final String INSERT_STATE = "INSERT INTO %PREFIX%rollup_state (name, watermark, updated_at) "
				+ "SELECT CAST(? AS VARCHAR), 0, CAST(? AS TIMESTAMP WITH TIME ZONE) FROM (VALUES (0)) AS one(x) "
				+ "WHERE NOT EXISTS (SELECT 1 FROM %PREFIX%rollup_state WHERE name = CAST(? AS VARCHAR))";

		private static final String UPSERT = "MERGE INTO %PREFIX%usage_rollup AS r USING (VALUES (CAST(? AS VARCHAR), "
				+ "CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TIMESTAMP WITH TIME ZONE), "
				+ "CAST(? AS NUMERIC(38, 9)), CAST(? AS BIGINT), CAST(? AS TIMESTAMP WITH TIME ZONE))) "
				+ "AS v(" + ROLLUP_COLUMNS + ") "
				+ "ON r.tenant_id = v.tenant_id AND r.meter = v.meter AND r.billing_scope_id = v.billing_scope_id "
				+ "AND r.period_start = v.period_start "
				+ "WHEN MATCHED THEN UPDATE SET quantity = r.quantity + v.quantity, "
				+ "event_count = r.event_count + v.event_count, updated_at = v.updated_at "
				+ "WHEN NOT MATCHED THEN INSERT (" + ROLLUP_COLUMNS + ") VALUES (v.tenant_id, v.meter, "
				+ "v.billing_scope_id, v.period_start, v.quantity, v.event_count, v.updated_at)";

		private final String insertState;

		private final String upsert;

		H2(MeteringTables tables) {
			this.insertState = tables.resolve(INSERT_STATE);
			this.upsert = tables.resolve(UPSERT);
		}

		@Override
		void insertStateIfAbsent(JdbcTemplate jdbc, String name, Instant now) {
			jdbc.update(this.insertState, name, LedgerDatabase.H2.timestamp(now), name);
		}

		@Override
		void upsert(JdbcTemplate jdbc, List<RollupDelta> deltas, Instant now) {
			Object updated = LedgerDatabase.H2.timestamp(now);
			jdbc.batchUpdate(this.upsert, new BatchPreparedStatementSetter() {

				@Override
				public void setValues(PreparedStatement ps, int i) throws SQLException {
					bind(ps, 1, deltas.get(i), LedgerDatabase.H2, updated);
				}

				@Override
				public int getBatchSize() {
					return deltas.size();
				}

			});
		}

	}

	/**
	 * MySQL and MariaDB: multi-row {@code INSERT ... ON DUPLICATE KEY UPDATE}. It uses
	 * {@code VALUES(column)}, which MariaDB needs (it has no row alias) and MySQL 8 still accepts.
	 */
	static final class MySql extends RollupDialect {

		/** Rows per statement: large enough to amortize the round trip, small enough for max_allowed_packet. */
		private static final int ROWS_PER_STATEMENT = 500;

		private static final String INSERT_STATE = "INSERT IGNORE INTO %PREFIX%rollup_state (name, watermark, "
				+ "updated_at) VALUES (?, 0, ?)";

		private static final String UPSERT = "INSERT INTO %PREFIX%usage_rollup (" + ROLLUP_COLUMNS + ") VALUES %ROWS% "
				+ "ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity), "
				+ "event_count = event_count + VALUES(event_count), updated_at = VALUES(updated_at)";

		private final String insertState;

		private final String upsert;

		MySql(MeteringTables tables) {
			this.insertState = tables.resolve(INSERT_STATE);
			this.upsert = tables.resolve(UPSERT);
		}

		@Override
		void insertStateIfAbsent(JdbcTemplate jdbc, String name, Instant now) {
			jdbc.update(this.insertState, name, LedgerDatabase.MYSQL.timestamp(now));
		}

		@Override
		void upsert(JdbcTemplate jdbc, List<RollupDelta> deltas, Instant now) {
			Object updated = LedgerDatabase.MYSQL.timestamp(now);
			for (int from = 0; from < deltas.size(); from += ROWS_PER_STATEMENT) {
				List<RollupDelta> chunk = deltas.subList(from, Math.min(deltas.size(), from + ROWS_PER_STATEMENT));
				String sql = this.upsert.replace("%ROWS%",
						String.join(", ", Collections.nCopies(chunk.size(), "(?, ?, ?, ?, ?, ?, ?)")));
				jdbc.execute((Connection connection) -> {
					try (PreparedStatement statement = connection.prepareStatement(sql)) {
						int p = 1;
						for (RollupDelta delta : chunk) {
							p = bind(statement, p, delta, LedgerDatabase.MYSQL, updated);
						}
						return statement.executeUpdate();
					}
				});
			}
		}

	}

	/**
	 * PostgreSQL: one {@code INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE} per
	 * chunk, so a run that touches thousands of hours costs a handful of round trips.
	 */
	static final class Postgres extends RollupDialect {

		/** Rollup rows per upsert statement: one round trip each, arrays well inside the protocol's limits. */
		private static final int ROWS_PER_STATEMENT = 5_000;

		private static final String INSERT_STATE = "INSERT INTO %PREFIX%rollup_state (name, watermark, updated_at) "
				+ "VALUES (?, 0, ?) ON CONFLICT DO NOTHING";

		private static final String UPSERT = "INSERT INTO %PREFIX%usage_rollup AS r (" + ROLLUP_COLUMNS + ") "
				+ "SELECT t, m, b, p, q, c, CAST(? AS timestamptz) FROM unnest(CAST(? AS varchar[]), "
				+ "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS timestamptz[]), CAST(? AS numeric[]), "
				+ "CAST(? AS bigint[])) AS x(t, m, b, p, q, c) "
				+ "ON CONFLICT (tenant_id, meter, billing_scope_id, period_start) DO UPDATE SET "
				+ "quantity = r.quantity + EXCLUDED.quantity, event_count = r.event_count + EXCLUDED.event_count, "
				+ "updated_at = EXCLUDED.updated_at";

		private final String insertState;

		private final String upsert;

		Postgres(MeteringTables tables) {
			this.insertState = tables.resolve(INSERT_STATE);
			this.upsert = tables.resolve(UPSERT);
		}

		@Override
		void insertStateIfAbsent(JdbcTemplate jdbc, String name, Instant now) {
			jdbc.update(this.insertState, name, LedgerDatabase.POSTGRESQL.timestamp(now));
		}

		@Override
		void upsert(JdbcTemplate jdbc, List<RollupDelta> deltas, Instant now) {
			for (int from = 0; from < deltas.size(); from += ROWS_PER_STATEMENT) {
				List<RollupDelta> chunk = deltas.subList(from, Math.min(deltas.size(), from + ROWS_PER_STATEMENT));
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
					try (PreparedStatement statement = connection.prepareStatement(this.upsert)) {
						statement.setObject(1, LedgerDatabase.POSTGRESQL.timestamp(now));
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

	/** Binds one delta's {@link #ROLLUP_COLUMNS} from {@code index}; returns the next index. */
	private static int bind(PreparedStatement statement, int index, RollupDelta delta, LedgerDatabase database,
			Object updated) throws SQLException {
		int p = index;
		statement.setString(p++, delta.tenantId());
		statement.setString(p++, delta.meter());
		statement.setString(p++, delta.billingScopeId());
		statement.setObject(p++, database.timestamp(delta.periodStart()));
		statement.setBigDecimal(p++, delta.quantity());
		statement.setLong(p++, delta.eventCount());
		statement.setObject(p++, updated);
		return p;
	}

}
