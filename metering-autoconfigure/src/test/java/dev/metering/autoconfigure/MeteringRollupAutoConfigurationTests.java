package dev.metering.autoconfigure;

import dev.metering.autoconfigure.metrics.MeteringMetricsAutoConfiguration;
import dev.metering.rollup.LedgerUsageReader;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupScheduler;
import dev.metering.rollup.RollupUsageReader;
import dev.metering.rollup.UsageReader;
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
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableScheduling;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollup's auto-configuration: its beans, that each backs off for a user's own, the
 * {@code metering.rollup.enabled} switch, the scheduler it runs on, and its meters.
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
			return new LedgerUsageReader(dataSource, () -> dev.metering.ledger.LedgerDatabase.H2,
					dev.metering.ledger.MeteringTables.defaults());
		}

	}

}
