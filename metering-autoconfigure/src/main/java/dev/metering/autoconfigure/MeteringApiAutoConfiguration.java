package dev.metering.autoconfigure;

import java.time.Clock;

import dev.metering.api.ApiAccess;
import dev.metering.api.InvoiceApiController;
import dev.metering.billing.InvoiceStore;
import dev.metering.api.ApiKeyAccess;
import dev.metering.api.ApiSettings;
import dev.metering.api.CloudEventsController;
import dev.metering.api.EventCorrectionsController;
import dev.metering.api.EntitlementsApiController;
import dev.metering.api.MeteringApiExceptionHandler;
import dev.metering.api.TenantPrincipalAccess;
import dev.metering.api.UsageApiController;
import dev.metering.api.UsageApiDescriptionController;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.InvalidBillingConfigurationException;
import dev.metering.billing.RecordedEvents;
import dev.metering.billing.UsageSummaryService;
import dev.metering.entitlement.EntitlementService;
import dev.metering.event.UsageEventValidator;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.event.UsageRecorder;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.PrincipalTenantResolver;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The usage HTTP API, mounted only with {@code metering.api.enabled=true}. Without Spring
 * Security it requires {@code metering.api.api-key} and refuses to start without one, unless
 * {@code metering.api.auth=local} says this is a local, open installation.
 */
@AutoConfiguration(after = { MeteringBillingAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
		MeteringWebAutoConfiguration.class, MeteringEntitlementAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ DispatcherServlet.class, JsonMapper.class })
@ConditionalOnBooleanProperty(name = "metering.api.enabled")
@ConditionalOnBean({ UsageRecorder.class, BillingReportService.class })
@EnableConfigurationProperties({ MeteringApiProperties.class, MeteringWebProperties.class, MeteringAdminProperties.class })
public final class MeteringApiAutoConfiguration {

	private static final Log logger = LogFactory.getLog(MeteringApiAutoConfiguration.class);

	static final String SPRING_SECURITY_CLASS = "org.springframework.security.core.context.SecurityContextHolder";

	@Bean
	@ConditionalOnMissingBean
	ApiAccess meteringApiAccess(MeteringApiProperties api, MeteringWebProperties web, MeteringAdminProperties admin,
			ResourceLoader resourceLoader) {
		MeteringApiProperties.Auth auth = api.getAuth();
		if (auth == MeteringApiProperties.Auth.AUTO) {
			// The context's class loader, as conditions use: what the application sees, not this jar.
			auth = ClassUtils.isPresent(SPRING_SECURITY_CLASS, resourceLoader.getClassLoader())
					? MeteringApiProperties.Auth.PRINCIPAL : MeteringApiProperties.Auth.API_KEY;
		}
		return switch (auth) {
			case LOCAL -> {
				logger.warn("The usage API at " + api.getBasePath() + " is open to anyone (metering.api.auth=local): "
						+ "use it for local development only");
				yield ApiAccess.anyone();
			}
			case API_KEY -> {
				if (!StringUtils.hasText(api.getApiKey())) {
					throw new InvalidBillingConfigurationException("metering.api.api-key",
							"the usage API needs an API key without Spring Security; set it, or set "
									+ "metering.api.auth=local for a local installation");
				}
				yield new ApiKeyAccess(api.getApiKeyHeader(), api.getApiKey());
			}
			// The caller's own tenant comes from its authentication, never from the application's
			// TenantResolver, which may read what the client sends; one admin authority for both APIs.
			case PRINCIPAL -> new TenantPrincipalAccess(
					new PrincipalTenantResolver(web.getTenantClaim(), web.getTenantAuthorityPrefix()),
					admin.getWeb().getAuthority());
			case AUTO -> throw new IllegalStateException("resolved above");
		};
	}

	@Bean
	@ConditionalOnMissingBean
	UsageApiController meteringUsageApiController(UsageRecorder recorder, ApiAccess access,
			BillingReportService reports, UsageSummaryService summaries, RecordedEvents recorded,
			ObjectProvider<QuotaEnforcementService> quotas, ObjectProvider<UsageEventValidator> validator,
			MeteringApiProperties api, ObjectProvider<Clock> clock, UsageReader usage,
			ObjectProvider<MeterDefinitions> meters) {
		return new UsageApiController(recorder, access, reports, summaries, recorded, quotas.getIfAvailable(),
				validator.getIfAvailable(), settings(api), clock.getIfAvailable(Clock::systemUTC), usage,
				meters.getIfAvailable(() -> MeterDefinitions.NONE));
	}

	/** CloudEvents on the same route as the kit's JSON, told apart by their content types. */
	@Bean
	@ConditionalOnMissingBean
	CloudEventsController meteringCloudEventsController(UsageRecorder recorder, ApiAccess access,
			ObjectProvider<MeterDefinitions> definitions, ObjectProvider<UsageEventValidator> validator,
			MeteringApiProperties api, ObjectProvider<Clock> clock) {
		return new CloudEventsController(recorder, access, definitions.getIfAvailable(() -> MeterDefinitions.NONE),
				validator.getIfAvailable(), settings(api), clock.getIfAvailable(Clock::systemUTC));
	}

	/** Voids and corrections of recorded events. */
	@Bean
	@ConditionalOnMissingBean
	EventCorrectionsController meteringEventCorrectionsController(UsageRecorder recorder, ApiAccess access,
			MeteringApiProperties api) {
		return new EventCorrectionsController(recorder, access, settings(api));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(InvoiceStore.class)
	InvoiceApiController meteringInvoiceApiController(ApiAccess access, InvoiceStore invoices) {
		return new InvoiceApiController(access, invoices);
	}

	@Bean
	@ConditionalOnMissingBean
	UsageApiDescriptionController meteringUsageApiDescriptionController(MeteringApiProperties api) {
		return new UsageApiDescriptionController(api.getBasePath());
	}

	private static ApiSettings settings(MeteringApiProperties api) {
		try {
			return new ApiSettings(api.getMaxBatchSize(), api.getMaxBodySize().toBytes(), api.getMaxTopUsers(),
					api.getIdempotencyLookupTimeout());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidBillingConfigurationException("metering.api", ex.getMessage()
					+ ": max-batch-size, max-body-size, max-top-users and idempotency-lookup-timeout");
		}
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(EntitlementService.class)
	EntitlementsApiController meteringEntitlementsApiController(ApiAccess access, EntitlementService entitlements,
			ObjectProvider<CachedQuotaDefinitions> definitions, ObjectProvider<QuotaEnforcementService> quotas,
			UsageReader usage, ObjectProvider<Clock> clock, ObjectProvider<GrantService> grants,
			ObjectProvider<MoneyGrants> money) {
		return new EntitlementsApiController(access, entitlements, definitions.getIfAvailable(), quotas.getIfAvailable(),
				usage, clock.getIfAvailable(Clock::systemUTC), grants.getIfAvailable(), money.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	MeteringApiExceptionHandler meteringApiExceptionHandler() {
		return new MeteringApiExceptionHandler();
	}

}
