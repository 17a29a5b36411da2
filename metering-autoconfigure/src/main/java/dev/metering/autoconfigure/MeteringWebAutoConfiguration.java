package dev.metering.autoconfigure;

import java.time.Clock;

import jakarta.servlet.DispatcherType;

import dev.metering.event.UsageRecorder;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantResolver;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.web.MeteringFilter;
import dev.metering.web.QuotaEnforcementSettings;
import dev.metering.web.QuotaExceededExceptionHandler;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.StringUtils;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The servlet filter that meters every request, and the {@link TenantResolver} it asks.
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, MeteringQuotaAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ DispatcherServlet.class, FilterRegistrationBean.class })
@ConditionalOnBean(UsageRecorder.class)
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.web.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties({ MeteringWebProperties.class, MeteringQuotaProperties.class })
public final class MeteringWebAutoConfiguration {

	/** Bean name of the filter registration; declare a bean of this name to replace it. */
	public static final String FILTER_REGISTRATION_BEAN_NAME = "meteringFilterRegistration";

	@Bean
	@ConditionalOnMissingBean
	TenantResolver meteringTenantResolver(MeteringWebProperties web, ResourceLoader resourceLoader,
			Environment environment) {
		return TenantResolvers.of(web, resourceLoader.getClassLoader(), environment);
	}

	/**
	 * Keeps the connection's peer address before Tomcat's RemoteIpValve replaces it, unless the
	 * tenant resolver is the kit's own and never asks for it (the principal, or a header trusted
	 * from every client): the valve runs on every request of the server, metered or not.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { TenantResolvers.TOMCAT_CONTEXT_CUSTOMIZER, TenantResolvers.TOMCAT_VALVE })
	static class TomcatPeerAddress {

		@Bean
		TomcatContextCustomizer meteringPeerAddressCustomizer(ObjectProvider<TenantResolver> tenantResolver) {
			return (context) -> {
				if (TenantResolvers.readsPeerAddress(tenantResolver.getIfAvailable())) {
					context.getPipeline().addValve(new PeerAddressValve());
				}
			};
		}

	}

	@Bean(FILTER_REGISTRATION_BEAN_NAME)
	@ConditionalOnMissingBean(name = FILTER_REGISTRATION_BEAN_NAME)
	FilterRegistrationBean<MeteringFilter> meteringFilterRegistration(UsageRecorder recorder,
			TenantResolver tenantResolver, MeteringWebProperties web, MeteringQuotaProperties properties,
			ObjectProvider<Clock> clock, ObjectProvider<QuotaEnforcementService> quotas,
			ObjectProvider<TenantDirectory> directory) {
		MeteringFilter.MeteringFilterSettings settings = new MeteringFilter.MeteringFilterSettings(
				web.getRequestMeter(), web.getInclude(), web.getExclude(), web.getAnonymous().getPolicy(),
				web.getAnonymous().getTenant());
		QuotaEnforcementService quotaService = quotas.getIfAvailable();
		MeteringQuotaProperties.Quota quota = properties.getQuota();
		QuotaEnforcementSettings quotaSettings = (quotaService != null)
				? new QuotaEnforcementSettings(quota.getProblemType(), quota.isReleaseOnFailure(),
						StringUtils.hasText(quota.getRejectedMeter()) ? quota.getRejectedMeter() : null)
				: null;
		MeteringFilter filter = new MeteringFilter(recorder, tenantResolver, settings,
				clock.getIfAvailable(Clock::systemUTC), quotaService, quotaSettings,
				directory.getIfAvailable(() -> TenantDirectory.FLAT));
		FilterRegistrationBean<MeteringFilter> registration = new FilterRegistrationBean<>(filter);
		registration.setName("meteringFilter");
		registration.setOrder(web.getFilterOrder());
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
		return registration;
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(QuotaEnforcementService.class)
	QuotaExceededExceptionHandler meteringQuotaExceededExceptionHandler() {
		return new QuotaExceededExceptionHandler();
	}

}
