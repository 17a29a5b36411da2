package dev.metering.autoconfigure;

import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.LedgerPartitions;
import dev.metering.ledger.PartitionedLedgerTests;
import dev.metering.ledger.UsageEventStore;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code metering.ledger.partitioning} and {@code metering.ledger.retention} at start-up: the
 * default ledger as before, and every layout the kit cannot keep refused, naming the property.
 */
class LedgerLayoutTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:layout-${random.uuid}")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class));

	@Test
	void theDefaultIsOneTableWithoutRetention() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(UsageEventStore.class);
			MeteringLedgerProperties ledger = context.getBean(MeteringLedgerProperties.class);
			assertThat(ledger.getPartitioning()).isEqualTo(MeteringLedgerProperties.Partitioning.NONE);
			assertThat(ledger.getRetention()).isNull();
		});
		this.runner.withPropertyValues("metering.ledger.partitioning=none")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void monthlyPartitionsOnH2AreRefusedAtStartUpNamingTheProperty() {
		this.runner.withPropertyValues("metering.ledger.partitioning=monthly").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("metering.ledger.partitioning=monthly needs PostgreSQL")
				.hasMessageContaining("h2");
		});
	}

	@Test
	void aMonthlyLedgerOnPostgresqlGetsItsMonthsAtStartUpAndTheWriterFillsThem() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PartitionedLedgerTests.PARTITIONED_SCHEMA)) {
			new ApplicationContextRunner()
				.withPropertyValues("spring.datasource.url=" + TestDatabase.POSTGRESQL.jdbcUrl(),
						"metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
						"metering.ledger.partitioning=monthly")
				.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
						MeteringLedgerAutoConfiguration.class))
				.run((context) -> {
					assertThat(context).hasNotFailed().hasSingleBean(LedgerPartitions.class);
					String thisMonth = schema.tables().usageEvent() + "_p"
							+ DateTimeFormatter.ofPattern("yyyyMM").format(YearMonth.now(ZoneOffset.UTC));
					context.getBean(UsageRecorder.class).record(UsageEvent.builder("acme", "api.calls").build());
					assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(30))).isTrue();
					assertThat(schema.jdbc()
						.queryForObject("SELECT CAST(tableoid AS regclass)::text FROM " + schema.tables().usageEvent(),
								String.class))
						.isEqualTo(thisMonth);
				});
		}
	}

	@Test
	void aNewMonthlyLedgerIsCreatedPartitionedWithEveryOtherTableOfThePlainScript() {
		String prefix = "t" + ProcessHandle.current().pid() % 10_000 + "_layout_metering_";
		JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.POSTGRESQL.dataSource());
		try {
			new ApplicationContextRunner()
				.withPropertyValues("spring.datasource.url=" + TestDatabase.POSTGRESQL.jdbcUrl(),
						"metering.jdbc.table-prefix=" + prefix, "metering.jdbc.initialize-schema=always",
						"metering.ledger.partitioning=monthly", "logging.level.org.springframework.jdbc=DEBUG", "debug=true")
				.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
						MeteringLedgerAutoConfiguration.class))
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(jdbc.queryForObject("SELECT CAST(relkind AS text) FROM pg_class WHERE relname = ?",
							String.class, prefix + "usage_event"))
						.as("the ledger is partitioned")
						.isEqualTo("p");
					// Tables of the plain script only: rollups, the meter definitions (its last table).
					assertThat(jdbc.queryForList("SELECT relname FROM pg_class WHERE relname IN (?, ?, ?)", String.class,
							prefix + "usage_rollup", prefix + "meter_definition", prefix + "usage_event_key"))
						.hasSize(3);
				});
		}
		finally {
			jdbc.execute("DO $$ DECLARE r record; BEGIN FOR r IN SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')"
					+ " AND relname LIKE '" + prefix + "%' LOOP EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(r.relname)"
					+ " || ' CASCADE'; END LOOP; END $$");
			jdbc.execute("DROP FUNCTION IF EXISTS " + prefix + "usage_event_claim() CASCADE");
		}
	}

	@Test
	void theDefaultLedgerHasNoPartitionMaintenance() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(LedgerPartitions.class));
	}

	@Test
	void aRetentionWithoutPartitionsIsRefusedNamingTheProperty() {
		this.runner.withPropertyValues("metering.ledger.retention=400d").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("metering.ledger.retention needs metering.ledger.partitioning=monthly");
		});
	}

}
