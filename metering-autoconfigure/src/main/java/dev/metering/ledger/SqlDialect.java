package dev.metering.ledger;

import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

import dev.metering.internal.sql.H2Sql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MySqlSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.event.UsageEvent;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How one database inserts a batch of events: the ledger's statements differ between databases
 * (they are in {@code dev.metering.internal.sql}), and so does how a batch is bound to them.
 */
abstract sealed class SqlDialect permits PostgresSqlDialect, H2SqlDialect, MySqlSqlDialect {

	/**
	 * Inserts events, skipping duplicates of {@code event_id} and of
	 * ({@code tenant_id}, {@code idempotency_key}), inside the caller's transaction.
	 * @param jdbc the template to run on
	 * @param events the events
	 * @param recordedAt the {@code recorded_at} of every row
	 * @return rows inserted and duplicates skipped
	 */
	abstract InsertResult insertEvents(JdbcTemplate jdbc, List<UsageEvent> events, Instant recordedAt);

	/**
	 * The dialect of a database.
	 * @param database the database
	 * @param tables the table names
	 * @param batchSums whether to write batch sums for the rollup where the database has a sum table
	 * @return the dialect
	 */
	static SqlDialect of(LedgerDatabase database, MeteringTables tables, boolean batchSums) {
		return of(database, tables, batchSums, (meter) -> false);
	}

	/**
	 * The dialect of a database that writes the defined meters' batch aggregates where it writes
	 * batch sums (PostgreSQL).
	 * @param database the database
	 * @param tables the table names
	 * @param batchSums whether to write batch sums (and meter aggregates) where the database has their tables
	 * @param definedMeters whether a meter has a definition now
	 * @return the dialect
	 */
	static SqlDialect of(LedgerDatabase database, MeteringTables tables, boolean batchSums,
			Predicate<String> definedMeters) {
		return switch (database) {
			case POSTGRESQL -> new PostgresSqlDialect(tables, true, batchSums, definedMeters);
			case H2 -> new H2SqlDialect(new H2Sql(new TableNames(tables.prefix())));
			case MYSQL -> new MySqlSqlDialect(new MySqlSql(new TableNames(tables.prefix())));
		};
	}

}
