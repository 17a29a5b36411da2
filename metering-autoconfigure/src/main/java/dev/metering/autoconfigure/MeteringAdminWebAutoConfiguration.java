package dev.metering.autoconfigure;

import dev.metering.admin.MeteringAdmin;
import dev.metering.billing.InvoiceCloser;
import dev.metering.admin.web.AdminApiSettings;
import dev.metering.admin.web.GrantAdminController;
import dev.metering.admin.web.MeteringAdminController;
import dev.metering.admin.web.WebhookAdminController;
import dev.metering.notification.StoredWebhookEndpoints;
import dev.metering.notification.WebhookRegistry;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.api.MeteringApiExceptionHandler;
import dev.metering.notification.ThresholdSource;
import dev.metering.notification.WebhookOutbox;
import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.web.MeteringFilter;
import jakarta.servlet.Filter;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The admin REST API ({@code metering.admin.web.enabled=true}): mounted under the base path,
 * protected by an authority (Spring Security) or a static API key. Without Spring Security and
 * without a key the application does not start: never an open admin API by accident.
 */
@AutoConfiguration(after = { MeteringAdminAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
		MeteringNotificationAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ DispatcherServlet.class, JsonMapper.class })
@ConditionalOnBean(MeteringAdmin.class)
@ConditionalOnBooleanProperty("metering.admin.web.enabled")
public final class MeteringAdminWebAutoConfiguration {

	/** Bean name of the filter guarding the metering Actuator endpoint; declare one to replace it. */
	public static final String ENDPOINT_FILTER_BEAN_NAME = "meteringEndpointAccessFilter";

	private static final String SECURITY_CONTEXT = "org.springframework.security.core.context.SecurityContextHolder";

	@Bean
	@ConditionalOnMissingBean
	MeteringAdminController meteringAdminController(MeteringAdmin admin, MeteringAdminProperties properties,
			ResourceLoader resourceLoader, ObjectProvider<WebhookOutbox> webhooks,
			ObjectProvider<InvoiceCloser> invoices, ObjectProvider<ThresholdSource> thresholds) {
		MeteringAdminProperties.Web web = properties.getWeb();
		boolean security = ClassUtils.isPresent(SECURITY_CONTEXT, resourceLoader.getClassLoader());
		String apiKey = StringUtils.hasText(web.getApiKey()) ? web.getApiKey() : null;
		if (!security && apiKey == null) {
			throw new InvalidQuotaConfigurationException("metering.admin.web.api-key", null,
					"the admin REST API is enabled without Spring Security: set an API key (or add Spring Security "
							+ "and grant the authority " + web.getAuthority() + "), or disable metering.admin.web.enabled");
		}
		if (apiKey != null && apiKey.length() < 16) {
			throw new InvalidQuotaConfigurationException("metering.admin.web.api-key", "(hidden)",
					"use at least 16 characters");
		}
		String basePath = web.getBasePath();
		if (!StringUtils.hasText(basePath) || !basePath.startsWith("/") || basePath.endsWith("/")) {
			throw new InvalidQuotaConfigurationException("metering.admin.web.base-path", basePath,
					"a path starting with '/' and not ending with one, e.g. /metering/admin");
		}
		return new MeteringAdminController(admin, new AdminApiSettings(basePath, web.getAuthority(), apiKey,
				web.getMaxBodySize().toBytes()), security, webhooks.getIfAvailable(), invoices.getIfAvailable(),
				thresholds.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ StoredWebhookEndpoints.class, WebhookRegistry.class })
	WebhookAdminController meteringWebhookAdminController(StoredWebhookEndpoints stored, WebhookRegistry registry,
			MeteringAdminProperties properties, ResourceLoader resourceLoader, MeteringAdminController admin) {
		// Built after the admin API's controller, which refused an unprotected configuration.
		return new WebhookAdminController(stored, registry, settings(properties), security(resourceLoader));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(GrantService.class)
	GrantAdminController meteringGrantAdminController(GrantService grants, ObjectProvider<MoneyGrants> money,
			MeteringAdminProperties properties, ResourceLoader resourceLoader, MeteringAdminController admin) {
		// Built after the admin API's controller, which refused an unprotected configuration.
		return new GrantAdminController(grants, money.getIfAvailable(), settings(properties), security(resourceLoader));
	}

	private static AdminApiSettings settings(MeteringAdminProperties properties) {
		MeteringAdminProperties.Web web = properties.getWeb();
		String apiKey = StringUtils.hasText(web.getApiKey()) ? web.getApiKey() : null;
		return new AdminApiSettings(web.getBasePath(), web.getAuthority(), apiKey, web.getMaxBodySize().toBytes());
	}

	private static boolean security(ResourceLoader resourceLoader) {
		return ClassUtils.isPresent(SECURITY_CONTEXT, resourceLoader.getClassLoader());
	}

	/** The admin API's problems; the usage API's configuration declares the same bean. */
	@Bean
	@ConditionalOnMissingBean
	MeteringApiExceptionHandler meteringApiExceptionHandler() {
		return new MeteringApiExceptionHandler();
	}

	/**
	 * The metering Actuator endpoint shows any tenant's usage: with the admin API on, it answers
	 * only the callers the admin API accepts. Runs after Spring Security's filter chain, so the
	 * principal is known.
	 */
	@Bean(ENDPOINT_FILTER_BEAN_NAME)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	@ConditionalOnMissingBean(name = ENDPOINT_FILTER_BEAN_NAME)
	FilterRegistrationBean<Filter> meteringEndpointAccessFilter(MeteringAdminController admin,
			Environment environment) {
		String basePath = environment.getProperty("management.endpoints.web.base-path", "/actuator");
		String endpoint = (basePath.endsWith("/") ? basePath : basePath + "/") + "metering";
		FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(admin.accessFilter());
		registration.setName("meteringEndpointAccessFilter");
		registration.addUrlPatterns(endpoint, endpoint + "/*");
		registration.setOrder(MeteringFilter.DEFAULT_ORDER - 1);
		return registration;
	}

}
