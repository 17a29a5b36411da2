package dev.metering.autoconfigure;

import java.time.Clock;

import javax.sql.DataSource;

import dev.metering.ledger.MeteringTables;
import dev.metering.meter.MeterDefinitions;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.AfterRollup;
import dev.metering.rollup.RollupScheduler;
import dev.metering.rollup.RollupSettings;
import dev.metering.rollup.RollupUsageReader;
import dev.metering.rollup.UsageReader;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.TaskScheduler;

/**
 * Hourly rollups: the {@link RollupJob}, its timer, and the {@link UsageReader} over rollups.
 * Runs after the ledger's configuration and backs off with it.
 * <p>
 * The timer uses the application's {@link TaskScheduler} when there is exactly one. Spring Boot
 * 4.1 defines one ({@code taskScheduler}) only when scheduling is enabled
 * ({@code @EnableScheduling}); without it the kit schedules on a one-thread scheduler of its own,
 * which it does not expose as a bean, so it never becomes the application's scheduler.
 * <p>
 * Runs before the quota configuration, which reads usage through the {@link UsageReader} defined
 * here.
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, TaskSchedulingAutoConfiguration.class },
		before = MeteringQuotaAutoConfiguration.class)
@ConditionalOnBean(MeteringTables.class)
@ConditionalOnBooleanProperty(name = "metering.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MeteringRollupProperties.class)
public final class MeteringRollupAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RollupJob meteringRollupJob(DataSource dataSource, MeteringJdbcProperties jdbc, MeteringRollupProperties rollup,
			MeteringTables tables, ObjectProvider<Clock> clock, ObjectProvider<MeterDefinitions> meters) {
		return new RollupJob(dataSource, MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc), tables,
				new RollupSettings(rollup.getBatchSize(), rollup.getGapTimeout()),
				clock.getIfAvailable(Clock::systemUTC), () -> meters.getIfAvailable(() -> MeterDefinitions.NONE));
	}

	@Bean
	@ConditionalOnMissingBean
	UsageReader meteringUsageReader(DataSource dataSource, MeteringJdbcProperties jdbc, MeteringTables tables) {
		return new RollupUsageReader(dataSource, MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc), tables);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "metering.rollup.enabled", matchIfMissing = true)
	RollupScheduler meteringRollupScheduler(RollupJob job, MeteringRollupProperties rollup,
			ObjectProvider<TaskScheduler> taskScheduler, ObjectProvider<AfterRollup> afterRollup) {
		// Asked on each run: the tasks (closing invoices) are beans of later auto-configurations.
		return new RollupScheduler(job, taskScheduler.getIfUnique(), rollup.getInitialDelay(), rollup.getInterval(),
				() -> afterRollup.orderedStream().toList());
	}

}
