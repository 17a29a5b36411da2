package dev.metering.autoconfigure;

import java.time.Clock;

import javax.sql.DataSource;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.admin.MeteringAdmin;
import dev.metering.ledger.MeteringTables;
import dev.metering.quota.QuotaDefinitionSource;
import dev.metering.quota.bus.InProcessInvalidationBus;
import dev.metering.quota.bus.QuotaInvalidationBus;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runtime quota definitions: the database's plans, plan quotas, tenants and tenant overrides
 * layered over {@code metering.plans} / {@code metering.tenants} as the
 * {@link QuotaDefinitionSource}, and the {@link MeteringAdmin} API that changes them. Runs before
 * the quota auto-configuration so its source replaces the configuration-only one.
 */
@AutoConfiguration(after = MeteringLedgerAutoConfiguration.class, before = MeteringQuotaAutoConfiguration.class)
@ConditionalOnBean({ DataSource.class, MeteringTables.class })
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.quota.enabled", "metering.admin.enabled" },
		matchIfMissing = true)
@EnableConfigurationProperties({ MeteringAdminProperties.class, MeteringJdbcProperties.class, MeteringQuotaProperties.class,
		MeteringCacheProperties.class })
public final class MeteringAdminAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	JdbcRuntimeDefinitions meteringRuntimeDefinitions(DataSource dataSource, MeteringJdbcProperties jdbc,
			MeteringTables tables, MeteringCacheProperties cache) {
		return new JdbcRuntimeDefinitions(dataSource, tables,
				() -> MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc).get().platform(),
				cache.getDefinitionsTtl());
	}

	@Bean
	@ConditionalOnMissingBean(QuotaDefinitionSource.class)
	LayeredQuotaDefinitions meteringQuotaDefinitionSource(MeteringQuotaProperties properties,
			JdbcRuntimeDefinitions runtimeDefinitions) {
		return new LayeredQuotaDefinitions(QuotaPropertiesMapper.definitions(properties), runtimeDefinitions);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(LayeredQuotaDefinitions.class)
	MeteringAdmin meteringAdmin(JdbcRuntimeDefinitions runtimeDefinitions, LayeredQuotaDefinitions definitions,
			DataSource dataSource, ObjectProvider<QuotaInvalidationBus> bus, ObjectProvider<Clock> clock) {
		// Without the quota caches (quota enforcement off) there is nothing to evict.
		QuotaInvalidationBus target = bus.getIfAvailable(() -> new InProcessInvalidationBus((invalidation) -> {
		}));
		return new MeteringAdmin(runtimeDefinitions, definitions,
				new TransactionTemplate(new JdbcTransactionManager(dataSource)), target,
				clock.getIfAvailable(Clock::systemUTC));
	}

}
