package dev.metering.autoconfigure.endpoint;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.health.MeteringHealthAutoConfiguration;
import dev.metering.autoconfigure.health.MeteringHealthIndicator;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code metering} health is down when the ledger cannot be written: the database is
 * unreachable, or its connections are read-only (a replica after a fail-over).
 */
class LedgerHealthTests {

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = { "H2", "POSTGRESQL" })
	void healthIsDownWhileTheLedgerCannotBeWritten(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			AtomicBoolean readOnly = new AtomicBoolean();
			FaultyDataSource faulty = new FaultyDataSource(new DelegatingDataSource(schema.dataSource()) {

				@Override
				public Connection getConnection() throws SQLException {
					Connection connection = super.getConnection();
					connection.setReadOnly(readOnly.get());
					return connection;
				}

			});
			runner(schema, faulty).run((context) -> {
				MeteringHealthIndicator health = context.getBean(MeteringHealthIndicator.class);
				assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);

				readOnly.set(true);
				Health readOnlyHealth = health.health(true);
				assertThat(readOnlyHealth.getStatus()).isEqualTo(Status.DOWN);
				assertThat(readOnlyHealth.getDetails()).containsEntry("ledgerWritable", false);
				readOnly.set(false);
				assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);

				faulty.mode(FaultyDataSource.Mode.FAIL);
				assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
				faulty.mode(FaultyDataSource.Mode.NORMAL);
				assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
			});
		}
	}

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringEndpointAutoConfiguration.class, MeteringHealthAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=" + schema.database().platform(), "metering.rollup.enabled=false",
					"metering.bus.type=in-process");
	}

}
