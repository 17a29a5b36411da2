package dev.metering.autoconfigure;

import java.time.Clock;
import java.util.List;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LevelNamedQuotaDefinitions;
import dev.metering.quota.LineageWriteListener;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.QuotaDefinitionSource;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaWarningEvent;
import dev.metering.rollup.SubtreeUsageReader;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantDirectory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.util.function.SingletonSupplier;

/**
 * Quota enforcement: definitions from {@code metering.plans} / {@code metering.tenants}, cached
 * ledger readings, this instance's unwritten usage, and the {@link QuotaEnforcementService}.
 * A wrong quota setting stops start-up with a message naming the property.
 */
@AutoConfiguration(after = MeteringLedgerAutoConfiguration.class)
@ConditionalOnClass(Caffeine.class)
@ConditionalOnBean(UsageReader.class)
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.quota.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(MeteringQuotaProperties.class)
public final class MeteringQuotaAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	QuotaDefinitionSource meteringQuotaDefinitionSource(MeteringQuotaProperties properties) {
		return QuotaPropertiesMapper.definitions(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	QuotaRefreshThreads meteringQuotaRefreshThreads() {
		return new QuotaRefreshThreads(2);
	}

	@Bean
	@ConditionalOnMissingBean
	CachedQuotaDefinitions meteringCachedQuotaDefinitions(QuotaDefinitionSource source,
			MeteringQuotaProperties properties, QuotaRefreshThreads threads,
			ObjectProvider<TenantDirectory> directory) {
		TenantDirectory tenants = directory.getIfAvailable(() -> TenantDirectory.FLAT);
		// In a hierarchy, a policy's name says which level of the lineage it limits.
		QuotaDefinitionSource named = new LevelNamedQuotaDefinitions(source, tenants::inHierarchy);
		return new CachedQuotaDefinitions(named, properties.getCache().getDefinitionsTtl(),
				properties.getCache().getMaximumDefinitionEntries(), threads.executor());
	}

	@Bean
	@ConditionalOnMissingBean
	LocalUsage meteringLocalUsage(CachedQuotaDefinitions definitions, ObjectProvider<BufferedLedgerWriter> writer,
			ObjectProvider<TenantDirectory> directory) {
		LocalUsage local = new LocalUsage(definitions::hasQuota);
		// Without the kit's writer, this instance's unwritten usage is seen only through readings.
		// In a hierarchy, each event also counts at every ancestor: an ancestor's usage is its subtree's.
		writer.ifAvailable((w) -> w.addListener(
				new LineageWriteListener(local, ancestors(directory.getIfAvailable(() -> TenantDirectory.FLAT)))));
		return local;
	}

	@Bean
	@ConditionalOnMissingBean
	LedgerReadings meteringLedgerReadings(UsageReader reader, LocalUsage local, MeteringQuotaProperties properties,
			QuotaRefreshThreads threads, ObjectProvider<TenantDirectory> directory) {
		return new LedgerReadings(subtree(reader, directory), local, properties.getCache().getUsageTtl(),
				properties.getCache().getMaximumUsageEntries(), threads.executor());
	}

	@Bean
	@ConditionalOnMissingBean
	QuotaEnforcementService meteringQuotaEnforcementService(CachedQuotaDefinitions definitions,
			LedgerReadings readings, LocalUsage local, MeteringQuotaProperties properties, ObjectProvider<Clock> clock,
			ApplicationEventPublisher events, ObjectProvider<QuotaObserver> observers) {
		QuotaObserver observer = composite(observers);
		return new QuotaEnforcementService(definitions::quotasOf, readings, local,
				clock.getIfAvailable(Clock::systemUTC), properties.getQuota().getOnUnknownUsage(), events,
				observer);
	}

	/** A tenant's ancestors, nearest first. */
	private static Function<String, List<String>> ancestors(TenantDirectory directory) {
		return (tenant) -> {
			List<String> scopes = directory.lineageOf(tenant).scopes();
			return scopes.subList(1, scopes.size());
		};
	}

	/** Usage of a scope as quotas read it: its whole subtree's. */
	private static UsageReader subtree(UsageReader reader, ObjectProvider<TenantDirectory> directory) {
		TenantDirectory tenants = directory.getIfAvailable(() -> TenantDirectory.FLAT);
		return new SubtreeUsageReader(reader, tenants::subtreeOf);
	}

	/** Every observer bean, looked up once on first use: observers may be created after the service. */
	private static QuotaObserver composite(ObjectProvider<QuotaObserver> observers) {
		SingletonSupplier<List<QuotaObserver>> all = SingletonSupplier.of(() -> observers.orderedStream().toList());
		return new QuotaObserver() {

			@Override
			public void checked(QuotaDecision decision) {
				for (QuotaObserver observer : all.obtain()) {
					observer.checked(decision);
				}
			}

			@Override
			public void warned(QuotaWarningEvent event) {
				for (QuotaObserver observer : all.obtain()) {
					observer.warned(event);
				}
			}

		};
	}

}
