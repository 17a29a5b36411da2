package dev.metering.autoconfigure;

import java.time.Clock;

import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import dev.metering.operation.MeteredAdvisor;
import dev.metering.operation.MeteredBeanPostProcessor;
import dev.metering.operation.MeteredMethodInterceptor;
import dev.metering.operation.MeteredOperation;
import dev.metering.operation.MeteredOperationObserver;
import dev.metering.operation.MeteredOperationSource;
import dev.metering.operation.OperationTenantResolver;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantResolver;
import dev.metering.web.MeteredHandlerInterceptor;
import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * {@code @Metered} operations: a Spring AOP advisor applied by the kit's own post-processor,
 * and, in a Spring MVC application with quotas, the {@code HandlerInterceptor} that rejects an
 * over-quota controller call before it runs.
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
		MeteringWebAutoConfiguration.class })
@ConditionalOnClass(MethodInterceptor.class)
@ConditionalOnBean(UsageRecorder.class)
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.operation.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(MeteringQuotaProperties.class)
public final class MeteringOperationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static MeteredOperationSource meteredOperationSource() {
		return new MeteredOperationSource();
	}

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static MeteredBeanPostProcessor meteredBeanPostProcessor(ObjectProvider<MeteredOperationSource> operations,
			ObjectProvider<UsageRecorder> recorder, ObjectProvider<TenantResolver> tenantResolver,
			ObjectProvider<QuotaEnforcementService> quotas, ObjectProvider<MeteringQuotaProperties> properties,
			ObjectProvider<Clock> clock, ObjectProvider<UsageEventValidator> validator,
			ObjectProvider<MeteredOperationObserver> observers, ObjectProvider<TenantDirectory> directory,
			ObjectProvider<MeterDefinitions> meters) {
		MeteredOperationSource source = operations.getObject();
		// Everything else is looked up when the first @Metered bean is proxied, not while
		// post-processors are being registered.
		return new MeteredBeanPostProcessor(source, () -> {
			QuotaEnforcementService quotaService = quotas.getIfAvailable();
			return new MeteredAdvisor(new MeteredMethodInterceptor(source, recorder.getObject(),
					new OperationTenantResolver(tenantResolver.getIfUnique()), quotaService,
					(quotaService != null) ? properties.getObject().getQuota().getProblemType() : null,
					clock.getIfAvailable(Clock::systemUTC), validator.getIfUnique(), new MeteredOperationObserver() {

						@Override
						public void unrecorded(MeteredOperation operation, RuntimeException cause) {
							// Looked up when it happens: observers may be created after the advisor.
							observers.orderedStream().forEach((observer) -> observer.unrecorded(operation, cause));
						}

					}, directory.getIfAvailable(() -> TenantDirectory.FLAT),
					new MeterEvents(meters.getIfAvailable(() -> MeterDefinitions.NONE))));
		});
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(WebMvcConfigurer.class)
	@ConditionalOnBean(QuotaEnforcementService.class)
	static class MeteredHandlerInterceptorConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MeteredHandlerInterceptor meteredHandlerInterceptor(MeteredOperationSource operations,
				QuotaEnforcementService quotas, ObjectProvider<TenantResolver> tenantResolver,
				MeteringQuotaProperties properties, ObjectProvider<Clock> clock,
				ObjectProvider<TenantDirectory> directory) {
			return new MeteredHandlerInterceptor(operations, quotas,
					new OperationTenantResolver(tenantResolver.getIfUnique()),
					properties.getQuota().getProblemType(), clock.getIfAvailable(Clock::systemUTC),
					directory.getIfAvailable(() -> TenantDirectory.FLAT));
		}

		@Bean
		@ConditionalOnMissingBean(name = "meteredHandlerInterceptorConfigurer")
		WebMvcConfigurer meteredHandlerInterceptorConfigurer(MeteredHandlerInterceptor interceptor) {
			return new WebMvcConfigurer() {

				@Override
				public void addInterceptors(InterceptorRegistry registry) {
					registry.addInterceptor(interceptor);
				}

			};
		}

	}

}
