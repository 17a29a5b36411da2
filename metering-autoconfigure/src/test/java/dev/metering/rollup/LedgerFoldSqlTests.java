package dev.metering.rollup;

import java.util.Map;

import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MySqlSql;
import dev.metering.test.TestDatabase;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The isolation of a fold batch: read committed on MySQL/MariaDB unless statement-based binary
 * logging forbids it, the server's own elsewhere.
 */
class LedgerFoldSqlTests {

	@Test
	void readCommittedUnlessTheBinaryLogIsStatementBased() {
		assertThat(MySqlSql.readCommittedLogs(false, "STATEMENT")).isTrue();
		assertThat(MySqlSql.readCommittedLogs(true, "ROW")).isTrue();
		assertThat(MySqlSql.readCommittedLogs(true, "MIXED")).isTrue();
		assertThat(MySqlSql.readCommittedLogs(true, "STATEMENT")).isFalse();
		assertThat(MySqlSql.readCommittedLogs(true, "statement")).isFalse();
	}

	@Test
	void mariaDbBatchesRunAtReadCommittedOnThisServer() {
		JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.MARIADB.dataSource());
		Map<String, Object> logging = jdbc.queryForMap("SELECT @@log_bin AS log_bin, @@binlog_format AS format");
		boolean statementLogged = ((Number) logging.get("log_bin")).intValue() != 0
				&& "STATEMENT".equalsIgnoreCase(String.valueOf(logging.get("format")));

		int isolation = LedgerDatabase.MYSQL.sql("metering_").isolationLevel(jdbc);

		assertThat(isolation).isEqualTo(statementLogged ? TransactionDefinition.ISOLATION_DEFAULT
				: TransactionDefinition.ISOLATION_READ_COMMITTED);
	}

	@Test
	void otherDatabasesKeepTheirOwnIsolation() {
		JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.H2.dataSource());

		assertThat(LedgerDatabase.H2.sql("metering_").isolationLevel(jdbc)).isEqualTo(TransactionDefinition.ISOLATION_DEFAULT);
		assertThat(LedgerDatabase.POSTGRESQL.sql("metering_").isolationLevel(jdbc))
			.isEqualTo(TransactionDefinition.ISOLATION_DEFAULT);
	}

}
