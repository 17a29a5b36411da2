package dev.metering.autoconfigure;

import java.time.Clock;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.JdbcTenantHierarchyEditor;
import dev.metering.admin.LayeredMeterDefinitions;
import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.admin.MeteringAdmin;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.QuotaDefinitionSource;
import dev.metering.quota.bus.InProcessInvalidationBus;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantHierarchyEditor;
import dev.metering.tenant.TenantHierarchyRules;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runtime quota definitions: the database's plans, plan quotas, tenants and tenant overrides
 * layered over {@code metering.plans} / {@code metering.tenants} as the
 * {@link QuotaDefinitionSource}, the {@link MeteringAdmin} API that changes them, and the
 * {@link TenantHierarchyEditor} that writes the tenant table. Runs before
 * the quota auto-configuration so its source replaces the configuration-only one.
 */
@AutoConfiguration(after = MeteringLedgerAutoConfiguration.class, before = MeteringQuotaAutoConfiguration.class)
@ConditionalOnBean({ DataSource.class, MeteringTables.class })
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.quota.enabled", "metering.admin.enabled" },
		matchIfMissing = true)
@EnableConfigurationProperties({ MeteringAdminProperties.class, MeteringJdbcProperties.class, MeteringQuotaProperties.class,
		MeteringHierarchyProperties.class, MeteringCacheProperties.class })
public final class MeteringAdminAutoConfiguration {

	/** Read while other beans start (the layered definitions): after the schema script has run. */
	@Bean
	@ConditionalOnMissingBean
	@DependsOnDatabaseInitialization
	JdbcRuntimeDefinitions meteringRuntimeDefinitions(DataSource dataSource, MeteringJdbcProperties jdbc,
			MeteringTables tables, MeteringCacheProperties cache) {
		return new JdbcRuntimeDefinitions(dataSource, tables,
				MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc),
				cache.getDefinitionsTtl());
	}

	@Bean
	@ConditionalOnMissingBean(QuotaDefinitionSource.class)
	LayeredQuotaDefinitions meteringQuotaDefinitionSource(MeteringQuotaProperties properties,
			JdbcRuntimeDefinitions runtimeDefinitions, ObjectProvider<MeterDefinitions> meters) {
		return new LayeredQuotaDefinitions(
				QuotaPropertiesMapper.definitions(properties, meters.getIfAvailable(() -> MeterDefinitions.NONE)),
				runtimeDefinitions);
	}

	/**
	 * The meter definitions in force: the database's rows over {@code metering.meters}; primary over
	 * the configured ones it layers (an application's own {@link MeterDefinitions} bean is left alone).
	 */
	@Bean
	@Primary
	@ConditionalOnMissingBean(LayeredMeterDefinitions.class)
	@ConditionalOnBean(name = "meteringMeterDefinitions")
	LayeredMeterDefinitions meteringLayeredMeterDefinitions(
			@Qualifier("meteringMeterDefinitions") MeterDefinitions configured, JdbcRuntimeDefinitions runtimeDefinitions,
			Environment environment, MeteringCacheProperties cache) {
		return new LayeredMeterDefinitions(configured, runtimeDefinitions,
				MeteringLedgerAutoConfiguration.requestMeter(environment), cache.getDefinitionsTtl());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(LayeredQuotaDefinitions.class)
	MeteringAdmin meteringAdmin(JdbcRuntimeDefinitions runtimeDefinitions, LayeredQuotaDefinitions definitions,
			DataSource dataSource, ObjectProvider<QuotaInvalidationBus> bus, ObjectProvider<Clock> clock,
			ObjectProvider<TenantDefinitionSource> configuredTenants, ObjectProvider<TenantDirectory> directory,
			MeteringHierarchyProperties hierarchy, ObjectProvider<MeterDefinitions> meters) {
		// Without the quota caches (quota enforcement off) there is nothing to evict.
		QuotaInvalidationBus target = bus.getIfAvailable(() -> new InProcessInvalidationBus((invalidation) -> {
		}));
		TenantHierarchyRules rules = TenantPropertiesMapper.rules(hierarchy);
		TenantDefinitionSource tenants = configuredTenants
			.getIfUnique(() -> new InMemoryTenantDefinitions(List.of(), rules));
		// Lineages are cleared here even without a bus (quota enforcement off).
		Runnable hierarchyChanged = () -> directory.ifAvailable((tenantDirectory) -> {
			if (tenantDirectory instanceof CachedTenantDirectory cached) {
				cached.invalidateAll();
			}
		});
		return new MeteringAdmin(runtimeDefinitions, definitions,
				new TransactionTemplate(new JdbcTransactionManager(dataSource)), target,
				clock.getIfAvailable(Clock::systemUTC), tenants, rules, hierarchyChanged,
				meters.getIfAvailable(() -> MeterDefinitions.NONE));
	}

	/**
	 * The editor that writes the tenant table; primary over the configuration's in-memory one.
	 */
	@Bean
	@Primary
	@ConditionalOnMissingBean(value = TenantHierarchyEditor.class, ignored = InMemoryTenantDefinitions.class)
	@ConditionalOnBean(LayeredQuotaDefinitions.class)
	JdbcTenantHierarchyEditor meteringTenantHierarchyEditor(MeteringAdmin admin) {
		return new JdbcTenantHierarchyEditor(admin, EditorActor::current);
	}

}
