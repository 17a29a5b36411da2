package dev.metering.ledger;

import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.test.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Which database the kit writes to: detected through Spring Boot's {@code DatabaseDriver}, or
 * named by {@code metering.jdbc.platform}.
 */
class LedgerDatabaseTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void detectsEachRealDatabase(TestDatabase database) {
		assertThat(LedgerDatabase.detect(database.dataSource()).platform()).isEqualTo(database.platform());
	}

	@Test
	void takesBootsPlatformNamesWithMariaDbAsMySql() {
		assertThat(LedgerDatabase.forPlatform("postgresql")).isEqualTo(LedgerDatabase.POSTGRESQL);
		assertThat(LedgerDatabase.forPlatform("H2")).isEqualTo(LedgerDatabase.H2);
		assertThat(LedgerDatabase.forPlatform("mysql")).isEqualTo(LedgerDatabase.MYSQL);
		assertThat(LedgerDatabase.forPlatform("mariadb")).isEqualTo(LedgerDatabase.MYSQL);
	}

	@Test
	void refusesAnUnsupportedDatabaseNamingTheProperty() {
		assertThatIllegalArgumentException().isThrownBy(() -> LedgerDatabase.forPlatform("oracle"))
			.withMessageContaining("'oracle'")
			.withMessageContaining("metering.jdbc.platform");
	}

}
