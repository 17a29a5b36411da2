package dev.metering.autoconfigure;

import java.time.Clock;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.MeteringStatus;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.InvoiceStore;
import dev.metering.billing.UsageSummaryService;
import dev.metering.console.ConsoleController;
import dev.metering.console.ConsoleSettings;
import dev.metering.event.UsageEventValidator;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantDirectory;

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
 * The usage console ({@code metering.console.enabled=true}) at {@code /metering/console}. It
 * follows the admin API's rule: with Spring Security the admin authority (a caller whose
 * authentication names a tenant sees that tenant only), without it the admin key; without either
 * the application does not start, so the console is never open by accident.
 */
@AutoConfiguration(after = { MeteringAdminAutoConfiguration.class, MeteringBillingAutoConfiguration.class,
		MeteringQuotaAutoConfiguration.class, MeteringTenantAutoConfiguration.class,
		MeteringRollupAutoConfiguration.class, MeteringGrantAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@ConditionalOnBooleanProperty("metering.console.enabled")
@ConditionalOnBean({ MeteringAdmin.class, UsageSummaryService.class, BillingReportService.class, UsageReader.class })
@EnableConfigurationProperties({ MeteringConsoleProperties.class, MeteringAdminProperties.class,
		MeteringWebProperties.class })
public final class MeteringConsoleAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConsoleController meteringConsoleController(MeteringConsoleProperties console, MeteringAdminProperties admin,
			MeteringWebProperties web, ResourceLoader resourceLoader, UsageSummaryService summaries,
			BillingReportService reports, ObjectProvider<QuotaEnforcementService> quotas, UsageReader usage,
			MeteringAdmin meteringAdmin, ObjectProvider<TenantDirectory> directory,
			ObjectProvider<TenantDefinitionSource> tenants, ObjectProvider<MeteringStatus> status,
			ObjectProvider<JdbcRuntimeDefinitions> database, ObjectProvider<BufferedLedgerWriter> writer,
			ObjectProvider<InvoiceStore> invoices, ObjectProvider<GrantService> grants, ObjectProvider<MoneyGrants> money,
			ObjectProvider<RollupJob> rollup, ObjectProvider<QuotaInvalidationBus> bus, ObjectProvider<Clock> clock) {
		boolean security = ClassUtils.isPresent(MeteringApiAutoConfiguration.SPRING_SECURITY_CLASS,
				resourceLoader.getClassLoader());
		String key = StringUtils.hasText(admin.getWeb().getApiKey()) ? admin.getWeb().getApiKey() : null;
		if (!security && key == null) {
			throw new InvalidQuotaConfigurationException("metering.admin.web.api-key", null,
					"the console is enabled without Spring Security: set the admin key (or add Spring Security "
							+ "and grant the authority " + admin.getWeb().getAuthority()
							+ "), or disable metering.console.enabled");
		}
		if (key != null && key.length() < 16) {
			throw new InvalidQuotaConfigurationException("metering.admin.web.api-key", "(hidden)",
					"use at least 16 characters");
		}
		for (String meter : console.getMeters()) {
			if (!UsageEventValidator.isValidMeterName(meter)) {
				throw new InvalidQuotaConfigurationException("metering.console.meters", meter,
						"a meter name: [a-z0-9][a-z0-9._-]*");
			}
		}
		ConsoleSettings settings;
		try {
			settings = new ConsoleSettings(key, admin.getWeb().getAuthority(), web.getTenantClaim(),
					web.getTenantAuthorityPrefix(), console.getSessionTimeout(), console.isSecureCookie(),
					console.getMeters());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidQuotaConfigurationException("metering.console.session-timeout",
					console.getSessionTimeout(), "a positive duration");
		}
		// The Actuator's status when the application has it; else the console's own, from the same parts.
		MeteringStatus health = status.getIfAvailable();
		JdbcRuntimeDefinitions tables = database.getIfAvailable();
		if (health == null && tables != null) {
			health = new MeteringStatus(tables, writer.getIfAvailable(), rollup.getIfAvailable(), bus.getIfAvailable());
		}
		return new ConsoleController(settings, security, summaries, reports, quotas.getIfAvailable(), usage,
				meteringAdmin, directory.getIfAvailable(() -> TenantDirectory.FLAT), tenants.getIfUnique(), health,
				invoices.getIfAvailable(), grants.getIfUnique(), money.getIfUnique(), clock.getIfAvailable(Clock::systemUTC));
	}

}
