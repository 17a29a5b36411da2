package dev.metering.autoconfigure;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.autoconfigure.metrics.MeteringMetricsAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.UsageEventStore;
import dev.metering.rollup.LedgerUsageReader;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupScheduler;
import dev.metering.rollup.RollupUsageReader;
import dev.metering.rollup.UsageReader;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableScheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollup's auto-configuration: its beans, that each backs off for a user's own, the
 * {@code metering.rollup.enabled} switch, the scheduler it runs on, its meters, and the
 * {@code metering.rollup.batch-sums} switch of the writer's batch sums.
 */
class MeteringRollupAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				TaskSchedulingAutoConfiguration.class, MeteringLedgerAutoConfiguration.class,
				MeteringRollupAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:rollup-autoconfig-${random.uuid}",
				"spring.datasource.generate-unique-name=false", "metering.rollup.initial-delay=1h");

	@Test
	void configuresTheJobItsTimerAndTheRollupReader() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(RollupJob.class).hasSingleBean(RollupScheduler.class);
			assertThat(context.getBean(UsageReader.class)).isInstanceOf(RollupUsageReader.class);
			assertThat(context.getBean(RollupScheduler.class).isRunning()).isTrue();
			assertThat(context.getBean(RollupJob.class).rollupNow().eventsFolded()).isZero();
		});
	}

	@Test
	void withoutAnApplicationSchedulerRunsOnOneOfItsOwnThatIsNoBean() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(TaskScheduler.class);
			assertThat(context.getBean(RollupScheduler.class).usesOwnScheduler()).isTrue();
		});
	}

	@Test
	void withSchedulingEnabledUsesTheApplicationScheduler() {
		this.runner.withUserConfiguration(SchedulingConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(TaskScheduler.class);
			assertThat(context.getBean(RollupScheduler.class).usesOwnScheduler()).isFalse();
		});
	}

	@Test
	void timerCanBeTurnedOffWhileTheJobAndReaderStay() {
		this.runner.withPropertyValues("metering.rollup.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(RollupScheduler.class).hasSingleBean(RollupJob.class);
			assertThat(context.getBean(UsageReader.class)).isInstanceOf(RollupUsageReader.class);
		});
	}

	@Test
	void theStoreWritesBatchSumsUnlessToldNotTo() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			ApplicationContextRunner postgres = new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
						MeteringRollupAutoConfiguration.class))
				// Not the pool itself, which the context would close.
				.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
				.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.rollup.enabled=false");
			List<UsageEvent> events = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				events.add(UsageEvent.builder("acme", "http.requests").build());
			}
			String sumRows = "SELECT COUNT(*) FROM " + schema.tables().usageEventSum();
			// Written with the rollup's timer off: another instance, or the application, may fold.
			postgres.run((context) -> context.getBean(UsageEventStore.class).insert(events, Instant.now()));
			assertThat(schema.jdbc().queryForObject(sumRows, Long.class)).isEqualTo(1);
			postgres.withPropertyValues("metering.rollup.batch-sums=false")
				.run((context) -> context.getBean(UsageEventStore.class).insert(
						events.stream().map((event) -> UsageEvent.builder("acme", "http.requests").build()).toList(),
						Instant.now()));
			assertThat(schema.jdbc().queryForObject(sumRows, Long.class)).isEqualTo(1);
			assertThat(schema.eventCount()).isEqualTo(80);
		}
	}

	@Test
	void backsOffForTheUsersBeans() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context.getBean(UsageReader.class)).isInstanceOf(LedgerUsageReader.class);
			assertThat(context).hasSingleBean(RollupJob.class);
			assertThat(context.getBean(RollupJob.class)).isSameAs(context.getBean(UserBeans.class).job);
		});
	}

	@Test
	void backsOffWhenMeteringIsDisabled() {
		this.runner.withPropertyValues("metering.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RollupJob.class)
				.doesNotHaveBean(RollupScheduler.class)
				.doesNotHaveBean(UsageReader.class));
	}

	@Test
	void bindsRollupMetersWithoutTenantTags() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withConfiguration(AutoConfigurations.of(MeteringMetricsAutoConfiguration.class))
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				context.getBean("meteringRollupMetrics", MeterBinder.class).bindTo(registry);
				context.getBean(RollupJob.class).rollupNow();
				assertThat(registry.get("metering.rollup.run").functionTimer().count()).isEqualTo(1);
				assertThat(registry.get("metering.rollup.events.folded").functionCounter().count()).isZero();
				assertThat(registry.get("metering.rollup.lag").gauge().value()).isZero();
				assertThat(registry.getMeters()).allSatisfy((meter) -> assertThat(meter.getId().getTags()).isEmpty());
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class SchedulingConfiguration {

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final RollupJob job = org.mockito.Mockito.mock(RollupJob.class);

		@Bean
		RollupJob myRollupJob() {
			return this.job;
		}

		@Bean
		UsageReader myUsageReader(javax.sql.DataSource dataSource) {
			return new LedgerUsageReader(dataSource, () -> dev.metering.internal.sql.LedgerDatabase.H2,
					dev.metering.ledger.MeteringTables.defaults());
		}

	}

}
