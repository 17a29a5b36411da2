package dev.metering.autoconfigure.endpoint;

import java.time.Clock;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.admin.MeteringStatus;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.rollup.RollupJob;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code metering} Actuator endpoint, when Actuator is on the classpath and the endpoint is
 * exposed ({@code management.endpoints.web.exposure.include=metering}).
 */
@AutoConfiguration(after = { MeteringAdminAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
		MeteringBusAutoConfiguration.class })
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(LayeredQuotaDefinitions.class)
public final class MeteringEndpointAutoConfiguration {

	// The endpoint's conditions sit on the methods: the class is skipped first when Actuator is absent.
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint(MeteringEndpoint.class)
	MeteringStatus meteringStatus(JdbcRuntimeDefinitions database, ObjectProvider<BufferedLedgerWriter> writer,
			ObjectProvider<RollupJob> rollup, ObjectProvider<QuotaInvalidationBus> bus) {
		return new MeteringStatus(database, writer.getIfAvailable(), rollup.getIfAvailable(), bus.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint(MeteringEndpoint.class)
	MeteringEndpoint meteringEndpoint(MeteringStatus status, LayeredQuotaDefinitions definitions,
			ObjectProvider<QuotaEnforcementService> quotas, ObjectProvider<Clock> clock) {
		return new MeteringEndpoint(status, definitions, quotas.getIfAvailable(),
				clock.getIfAvailable(Clock::systemUTC));
	}

}
