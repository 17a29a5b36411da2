package dev.metering.autoconfigure;

import java.time.Clock;
import java.util.List;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LevelNamedQuotaDefinitions;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.QuotaDefinitionSource;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaWarningEvent;
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
			MeteringQuotaProperties properties, QuotaRefreshThreads threads, ObjectProvider<TenantDirectory> directory) {
		TenantDirectory tenants = directory.getIfAvailable(() -> TenantDirectory.FLAT);
		// In a hierarchy, a policy's name says which level of the lineage it limits.
		return new CachedQuotaDefinitions(new LevelNamedQuotaDefinitions(source, tenants::inHierarchy), properties.getCache().getDefinitionsTtl(),
				properties.getCache().getMaximumDefinitionEntries(), threads.executor());
	}

	@Bean
	@ConditionalOnMissingBean
	LocalUsage meteringLocalUsage(CachedQuotaDefinitions definitions, ObjectProvider<BufferedLedgerWriter> writer) {
		LocalUsage local = new LocalUsage(definitions::hasQuota);
		// Without the kit's writer, this instance's unwritten usage is seen only through readings.
		writer.ifAvailable((w) -> w.addListener(local));
		return local;
	}

	@Bean
	@ConditionalOnMissingBean
	LedgerReadings meteringLedgerReadings(UsageReader reader, LocalUsage local, MeteringQuotaProperties properties,
			QuotaRefreshThreads threads) {
		return new LedgerReadings(reader, local, properties.getCache().getUsageTtl(),
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
