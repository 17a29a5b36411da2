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
