package dev.metering.ledger;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code metering.jdbc.continue-on-error}: a failing statement of the schema script stops
 * start-up by default; with {@code true} it is skipped and the script's later statements run.
 */
class SchemaContinueOnErrorTests {

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = { "H2", "POSTGRESQL" })
	void aFailingSchemaStatementStopsStartUpUnlessContinueOnError(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema.dataSource(), schema.prefix()).run((context) -> assertThat(context).hasFailed());
			assertThat(tableExists(schema, "after_error")).isFalse();

			runner(schema.dataSource(), schema.prefix()).withPropertyValues("metering.jdbc.continue-on-error=true")
				.run((context) -> assertThat(context).hasNotFailed());
			assertThat(tableExists(schema, "after_error")).isTrue();
			assertThat(tableExists(schema, "broken")).isFalse();
		}
	}

	private static ApplicationContextRunner runner(DataSource dataSource, String prefix) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(dataSource))
			.withPropertyValues("metering.jdbc.table-prefix=" + prefix, "metering.jdbc.initialize-schema=always",
					"metering.jdbc.schema=classpath:dev/metering/ledger/continue-on-error-schema.sql");
	}

	private static boolean tableExists(TestSchema schema, String name) {
		try {
			schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + name, Long.class);
			return true;
		}
		catch (org.springframework.dao.DataAccessException ex) {
			return false;
		}
	}

}
