package dev.metering.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.JdbcTenantDefinitions;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.TenantCalendars;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantHierarchyRules;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The tenant hierarchy: definitions from {@code metering.tenants} (parent, billing attribution,
 * exemption), under the rows of the tenant table when the runtime definitions are on, changeable
 * at runtime through the {@link dev.metering.tenant.TenantHierarchyEditor} (in memory here; the
 * runtime definitions' editor writes the table), and the {@link TenantDirectory}: one snapshot
 * of every definition, read in bulk (per-tenant caches above
 * {@code metering.hierarchy.snapshot-max-tenants}). A wrong hierarchy stops start-up with a
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
		TenantHierarchyRules rules = TenantPropertiesMapper.rules(hierarchy);
		// With the runtime definitions, a tenant row's fields win over the configured ones.
		JdbcRuntimeDefinitions rows = runtime.getIfUnique();
		CachedTenantDirectory directory;
		if (rows != null) {
			JdbcTenantDefinitions table = new JdbcTenantDefinitions(rows, configured, rules, cache.getDefinitionsTtl());
			directory = new TableTenantDirectory(table, configured, rules, cache.getDefinitionsTtl(),
					hierarchy.getMaximumEntries(), hierarchy.getSnapshotMaxTenants());
		}
		else {
			directory = new CachedTenantDirectory(configured, configured::all, configured, rules,
					cache.getDefinitionsTtl(), hierarchy.getMaximumEntries(), hierarchy.getSnapshotMaxTenants(),
					ForkJoinPool.commonPool());
		}
		// A change through the editor can move a whole subtree: every cached lineage is dropped.
		editable.ifAvailable((definitions) -> definitions.onChange(directory::invalidateAll));
		return directory;
	}

	/**
	 * Each scope's billing calendar ({@code metering.tenants.<id>.billing}, the tenant rows over
	 * it), cached with the lineages.
	 */
	@Bean
	@ConditionalOnMissingBean
	TenantCalendars meteringTenantCalendars(TenantDirectory directory, TenantDefinitionSource configured) {
		return (directory instanceof CachedTenantDirectory cached) ? cached::calendarOf : TenantCalendars.of(configured);
	}

	/** Lineages over the tenant table: clearing them reads the table again too. */
	static final class TableTenantDirectory extends CachedTenantDirectory {

		private final JdbcTenantDefinitions table;

		TableTenantDirectory(JdbcTenantDefinitions table, TenantDefinitionSource configured, TenantHierarchyRules rules,
				Duration ttl, long maximumSize, long snapshotMaxTenants) {
			// The snapshot reads the table itself, not the copy it keeps for other readers.
			super(table, table::readAll, configured, rules, ttl, maximumSize, snapshotMaxTenants,
					ForkJoinPool.commonPool());
			this.table = table;
		}

		@Override
		public CompletableFuture<Void> refreshAll() {
			// The lineages are read from the table: it is read again first.
			return CompletableFuture.runAsync(this.table::refresh, ForkJoinPool.commonPool())
				.thenCompose((done) -> super.refreshAll());
		}

		@Override
		public void invalidateAll() {
			this.table.invalidate();
			super.invalidateAll();
		}

	}

}
