package dev.metering.autoconfigure.health;

import javax.sql.DataSource;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.MeteringStatus;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringJdbcProperties;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringTables;
import dev.metering.notification.WebhookOutbox;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.rollup.RollupJob;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;

/**
 * The {@code metering} health indicator, when Spring Boot's health support is on the classpath
 * ({@code management.health.metering.enabled=false} turns it off).
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
		MeteringRollupAutoConfiguration.class, MeteringBusAutoConfiguration.class,
		MeteringNotificationAutoConfiguration.class })
@ConditionalOnClass(AbstractHealthIndicator.class)
@ConditionalOnBean({ DataSource.class, MeteringTables.class })
@EnableConfigurationProperties({ MeteringHealthProperties.class, MeteringJdbcProperties.class })
public final class MeteringHealthAutoConfiguration {

	// The indicator's conditions sit on the methods: the class is skipped first without health support.
	// The ledger and the writer are there whatever the quota and admin switches: so is their health.
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnEnabledHealthIndicator("metering")
	MeteringStatus meteringStatus(ObjectProvider<JdbcRuntimeDefinitions> database, DataSource dataSource,
			MeteringTables tables, MeteringJdbcProperties jdbc, ObjectProvider<BufferedLedgerWriter> writer,
			ObjectProvider<RollupJob> rollup, ObjectProvider<QuotaInvalidationBus> bus) {
		JdbcRuntimeDefinitions kitTables = database.getIfUnique(() -> new JdbcRuntimeDefinitions(dataSource, tables,
				() -> StringUtils.hasText(jdbc.getPlatform()) ? LedgerDatabase.forPlatform(jdbc.getPlatform())
						: LedgerDatabase.detect(dataSource)));
		return new MeteringStatus(kitTables, writer.getIfAvailable(), rollup.getIfAvailable(), bus.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean(name = "meteringHealthIndicator")
	@ConditionalOnEnabledHealthIndicator("metering")
	MeteringHealthIndicator meteringHealthIndicator(MeteringStatus status, MeteringHealthProperties properties) {
		return new MeteringHealthIndicator(status, properties.getMaxWriterBacklog(), properties.getMaxRollupLag(),
				properties.getDropWindow());
	}

	/** The webhook outbox's counts and latest failure, as {@code meteringWebhooks}. */
	@Bean
	@ConditionalOnMissingBean(name = "meteringWebhooksHealthIndicator")
	@ConditionalOnBean(WebhookOutbox.class)
	@ConditionalOnEnabledHealthIndicator("metering")
	WebhookHealthIndicator meteringWebhooksHealthIndicator(WebhookOutbox outbox) {
		return new WebhookHealthIndicator(outbox);
	}

}
