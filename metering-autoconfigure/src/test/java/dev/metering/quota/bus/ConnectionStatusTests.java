package dev.metering.quota.bus;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bus state that health details show names what failed, never the exception's text, which
 * may carry host names, user names or a connection URL with its password.
 */
class ConnectionStatusTests {

	@Test
	void theLastErrorNamesTheFailureWithoutItsMessage() {
		ConnectionStatus status = new ConnectionStatus("postgres");
		status.connected();
		status.disconnected(new SQLException(
				"Connection to db.internal.example:5432 refused; url jdbc:postgresql://db.internal.example/x?password=hunter2",
				"08001"));
		BusState state = status.state();
		assertThat(state.connected()).isFalse();
		assertThat(state.lastError()).isEqualTo("SQLException (SQL state 08001)")
			.doesNotContain("hunter2")
			.doesNotContain("db.internal");
		status.disconnected(new IllegalStateException("secret detail"));
		assertThat(status.state().lastError()).isEqualTo("IllegalStateException");
	}

}
