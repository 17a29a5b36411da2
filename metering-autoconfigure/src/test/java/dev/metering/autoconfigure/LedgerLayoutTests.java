package dev.metering.autoconfigure;

import dev.metering.ledger.UsageEventStore;
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
	void monthlyPartitionsOnPostgresqlAreRefusedUntilThePartitionedLedgerIsBuilt() {
		this.runner
			.withPropertyValues("metering.ledger.partitioning=monthly", "metering.jdbc.platform=postgresql",
					"metering.jdbc.initialize-schema=never")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("metering.ledger.partitioning=monthly is not available");
			});
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
