package dev.metering.autoconfigure.metrics;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.ledger.BufferedLedgerWriter;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters of the kit, bound to every {@code MeterRegistry} Spring Boot configures.
 */
@AutoConfiguration(after = MeteringLedgerAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(BufferedLedgerWriter.class)
public final class MeteringMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LedgerWriterMetrics meteringLedgerWriterMetrics(BufferedLedgerWriter writer) {
		return new LedgerWriterMetrics(writer);
	}

}
