package dev.metering.autoconfigure.metrics;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringOperationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.operation.MeteredBeanPostProcessor;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.RollupJob;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.TenantDirectory;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters of the kit, bound to every {@code MeterRegistry} Spring Boot configures.
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
		MeteringQuotaAutoConfiguration.class, MeteringOperationAutoConfiguration.class })
@ConditionalOnClass(MeterBinder.class)
public final class MeteringMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(BufferedLedgerWriter.class)
	LedgerWriterMetrics meteringLedgerWriterMetrics(BufferedLedgerWriter writer) {
		return new LedgerWriterMetrics(writer);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(QuotaEnforcementService.class)
	QuotaMetrics meteringQuotaMetrics() {
		return new QuotaMetrics();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(CachedQuotaDefinitions.class)
	DefinitionCacheMetrics meteringDefinitionCacheMetrics(CachedQuotaDefinitions definitions,
			ObjectProvider<TenantDirectory> directory) {
		return new DefinitionCacheMetrics(definitions,
				(directory.getIfAvailable() instanceof CachedTenantDirectory cached) ? cached : null);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(RollupJob.class)
	RollupMetrics meteringRollupMetrics(RollupJob job) {
		return new RollupMetrics(job);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(MeteredBeanPostProcessor.class)
	OperationMetrics meteringOperationMetrics() {
		return new OperationMetrics();
	}

}
