package dev.metering.autoconfigure;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.LayeredFeatureDefinitions;
import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.billing.TenantPlans;
import dev.metering.entitlement.EntitledBeanPostProcessor;
import dev.metering.entitlement.EntitledHandlerInterceptor;
import dev.metering.entitlement.EntitledMethodInterceptor;
import dev.metering.entitlement.EntitledMethods;
import dev.metering.entitlement.EntitlementService;
import dev.metering.entitlement.FeatureDefinitions;
import dev.metering.entitlement.FeatureNotEntitledExceptionHandler;
import dev.metering.operation.OperationTenantResolver;
import dev.metering.tenant.TenantResolver;
import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
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
 * Entitlements: the features of {@code metering.plans.<plan>.features} (with each tenant's
 * overrides), {@link EntitlementService}, {@code @Entitled} on any bean through the kit's own
 * advising post-processor and, in a Spring MVC application, on controller methods through a
 * {@code HandlerInterceptor} that refuses before the arguments are bound.
 */
@AutoConfiguration(after = { MeteringBillingAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
		MeteringWebAutoConfiguration.class })
@ConditionalOnClass(MethodInterceptor.class)
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.entitlement.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties({ MeteringQuotaProperties.class, MeteringEntitlementProperties.class })
public final class MeteringEntitlementAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	FeatureDefinitions meteringFeatureDefinitions(MeteringQuotaProperties properties,
			ObjectProvider<JdbcRuntimeDefinitions> runtimeDefinitions) {
		// With runtime definitions, a feature set through MeteringAdmin wins over the configured one.
		JdbcRuntimeDefinitions rows = runtimeDefinitions.getIfUnique();
		PropertiesFeatureDefinitions configured = new PropertiesFeatureDefinitions(properties);
		return (rows != null) ? new LayeredFeatureDefinitions(configured, rows) : configured;
	}

	@Bean
	@ConditionalOnMissingBean
	EntitlementService meteringEntitlementService(ObjectProvider<TenantPlans> plans, FeatureDefinitions features,
			MeteringQuotaProperties quota, ObjectProvider<LayeredQuotaDefinitions> runtimeDefinitions,
			MeteringEntitlementProperties properties) {
		// Without billing the plans are still the ones quotas are enforced with.
		TenantPlans tenantPlans = plans.getIfUnique(() -> {
			LayeredQuotaDefinitions layered = runtimeDefinitions.getIfUnique();
			return (layered != null) ? new LayeredTenantPlans(layered) : new PropertiesTenantPlans(quota);
		});
		return new EntitlementService(tenantPlans, features, properties.getProblemType());
	}

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static EntitledMethods meteringEntitledMethods() {
		return new EntitledMethods();
	}

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static EntitledBeanPostProcessor meteringEntitledBeanPostProcessor(ObjectProvider<EntitledMethods> methods,
			ObjectProvider<EntitlementService> entitlements, ObjectProvider<TenantResolver> tenantResolver) {
		EntitledMethods entitledMethods = methods.getObject();
		// The service is looked up when the first @Entitled bean is proxied, not while
		// post-processors are being registered.
		return new EntitledBeanPostProcessor(entitledMethods, () -> new EntitledMethodInterceptor(entitledMethods,
				entitlements.getObject(), new OperationTenantResolver(tenantResolver.getIfUnique())));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(WebMvcConfigurer.class)
	static class EntitledControllerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EntitledHandlerInterceptor meteringEntitledHandlerInterceptor(EntitledMethods methods,
				EntitlementService entitlements, ObjectProvider<TenantResolver> tenantResolver) {
			return new EntitledHandlerInterceptor(methods, entitlements,
					new OperationTenantResolver(tenantResolver.getIfUnique()));
		}

		@Bean
		@ConditionalOnMissingBean(name = "entitledHandlerInterceptorConfigurer")
		WebMvcConfigurer entitledHandlerInterceptorConfigurer(EntitledHandlerInterceptor interceptor) {
			return new WebMvcConfigurer() {

				@Override
				public void addInterceptors(InterceptorRegistry registry) {
					registry.addInterceptor(interceptor);
				}

			};
		}

		@Bean
		@ConditionalOnMissingBean
		FeatureNotEntitledExceptionHandler meteringFeatureNotEntitledExceptionHandler() {
			return new FeatureNotEntitledExceptionHandler();
		}

	}

}
