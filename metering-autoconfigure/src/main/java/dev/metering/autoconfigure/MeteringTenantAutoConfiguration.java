package dev.metering.autoconfigure;

import java.util.concurrent.ForkJoinPool;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.JdbcTenantDefinitions;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantDirectory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The tenant hierarchy: definitions from {@code metering.tenants} (parent, billing attribution,
 * exemption), changeable at runtime through the {@link dev.metering.tenant.TenantHierarchyEditor},
 * and the cached {@link TenantDirectory} of lineages. A wrong hierarchy stops start-up with a
 * message naming the property.
 */
@AutoConfiguration(before = { MeteringLedgerAutoConfiguration.class, MeteringQuotaAutoConfiguration.class })
@ConditionalOnClass(Caffeine.class)
@ConditionalOnBooleanProperty(name = "metering.enabled", matchIfMissing = true)
@EnableConfigurationProperties({ MeteringQuotaProperties.class, MeteringCacheProperties.class, MeteringHierarchyProperties.class })
public final class MeteringTenantAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(TenantDefinitionSource.class)
	InMemoryTenantDefinitions meteringTenantDefinitions(MeteringQuotaProperties properties,
			MeteringHierarchyProperties hierarchy) {
		return new InMemoryTenantDefinitions(TenantPropertiesMapper.definitions(properties),
				TenantPropertiesMapper.rules(hierarchy));
	}

	@Bean
	@ConditionalOnMissingBean
	TenantDirectory meteringTenantDirectory(TenantDefinitionSource configured, MeteringCacheProperties cache,
			MeteringHierarchyProperties hierarchy, ObjectProvider<InMemoryTenantDefinitions> editable,
			ObjectProvider<JdbcRuntimeDefinitions> runtime) {
		// With the runtime definitions, a tenant row's fields win over the configured ones.
		JdbcRuntimeDefinitions rows = runtime.getIfUnique();
		TenantDefinitionSource source = (rows != null) ? new JdbcTenantDefinitions(rows, configured) : configured;
		CachedTenantDirectory directory = new CachedTenantDirectory(source, TenantPropertiesMapper.rules(hierarchy),
				cache.getDefinitionsTtl(), hierarchy.getMaximumEntries(), ForkJoinPool.commonPool());
		// A change through the editor can move a whole subtree: every cached lineage is dropped.
		editable.ifAvailable((definitions) -> definitions.onChange(directory::invalidateAll));
		return directory;
	}

}
