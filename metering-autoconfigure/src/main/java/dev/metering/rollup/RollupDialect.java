package dev.metering.rollup;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import dev.metering.internal.sql.H2Sql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MySqlSql;
import dev.metering.internal.sql.PostgresSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How each database runs the rollup statements that differ between databases (in
 * {@code dev.metering.internal.sql}): creating the progress row unless it exists, and adding
 * deltas to rollup rows (an upsert), bound as a JDBC batch, multi-row statements or arrays.
 */
abstract sealed class RollupDialect {

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
		TableNames names = new TableNames(tables.prefix());
		return switch (database) {
			case POSTGRESQL -> new Postgres(new PostgresSql(names));
			case H2 -> new H2(new H2Sql(names));
			case MYSQL -> new MySql(new MySqlSql(names));
		};
	}

	/** H2: a JDBC batch of one-row {@code MERGE}s. */
	static final class H2 extends RollupDialect {

		private final String insertState;

		private final String upsert;

		H2(H2Sql sql) {
			this.insertState = sql.insertRollupState();
			this.upsert = sql.upsertRollup();
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

	/** MySQL and MariaDB: multi-row {@code INSERT ... ON DUPLICATE KEY UPDATE}. */
	static final class MySql extends RollupDialect {

		/** Rows per statement: large enough to amortize the round trip, small enough for max_allowed_packet. */
		private static final int ROWS_PER_STATEMENT = 500;

		private final String insertState;

		private final MySqlSql sql;

		MySql(MySqlSql sql) {
			this.insertState = sql.insertRollupState();
			this.sql = sql;
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
				String sql = this.sql.upsertRollups(chunk.size());
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
	 * PostgreSQL: one upsert from arrays per chunk, so a run that touches thousands of hours
	 * costs a handful of round trips.
	 */
	static final class Postgres extends RollupDialect {

		/** Rollup rows per upsert statement: one round trip each, arrays well inside the protocol's limits. */
		private static final int ROWS_PER_STATEMENT = 5_000;

		private final String insertState;

		private final String upsert;

		Postgres(PostgresSql sql) {
			this.insertState = sql.insertRollupState();
			this.upsert = sql.upsertRollups();
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

	/** Binds one delta's rollup columns from {@code index}; returns the next index. */
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
