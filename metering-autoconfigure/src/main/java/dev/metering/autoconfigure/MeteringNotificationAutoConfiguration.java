package dev.metering.autoconfigure;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.billing.TenantPlans;
import dev.metering.grant.GrantNotifier;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.MeteringTables;
import dev.metering.notification.NotificationEmitter;
import dev.metering.notification.QuotaThresholdWatcher;
import dev.metering.notification.StoredWebhookEndpoints;
import dev.metering.notification.ThresholdSource;
import dev.metering.notification.WebhookEndpoint;
import dev.metering.notification.WebhookOutbox;
import dev.metering.notification.WebhookRegistry;
import dev.metering.notification.WebhookSender;
import dev.metering.notification.WebhookSettings;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.SubtreeUsageReader;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantDirectory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

/**
 * Notifications: the outbox, the webhooks of {@code metering.webhooks.endpoints}, the sender
 * that posts deliveries on its own thread, and, with quotas, the watcher that emits
 * {@code quota.threshold_reached} and {@code quota.exceeded} from the ledger's usage.
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
		MeteringQuotaAutoConfiguration.class, MeteringBillingAutoConfiguration.class,
		MeteringAdminAutoConfiguration.class, MeteringGrantAutoConfiguration.class })
@ConditionalOnBean({ DataSource.class, MeteringTables.class })
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.webhooks.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties({ MeteringWebhookProperties.class, MeteringQuotaProperties.class,
		MeteringGrantProperties.class })
public final class MeteringNotificationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	WebhookOutbox meteringWebhookOutbox(DataSource dataSource, MeteringTables tables) {
		return new WebhookOutbox(dataSource, tables);
	}

	@Bean
	@ConditionalOnMissingBean
	StoredWebhookEndpoints meteringStoredWebhookEndpoints(DataSource dataSource, MeteringTables tables,
			ObjectProvider<Clock> clock) {
		return new StoredWebhookEndpoints(dataSource, tables, clock.getIfAvailable(Clock::systemUTC));
	}

	@Bean
	@ConditionalOnMissingBean
	WebhookRegistry meteringWebhookRegistry(MeteringWebhookProperties properties,
			ObjectProvider<StoredWebhookEndpoints> stored) {
		List<WebhookEndpoint> endpoints = new ArrayList<>();
		for (int i = 0; i < properties.getEndpoints().size(); i++) {
			MeteringWebhookProperties.Endpoint endpoint = properties.getEndpoints().get(i);
			try {
				if (endpoint.getUrl() == null || endpoint.getSecret() == null) {
					throw new IllegalArgumentException("url and secret are required");
				}
				endpoints.add(new WebhookEndpoint(endpoint.getUrl(), endpoint.getSecret(),
						new LinkedHashSet<>(endpoint.getEvents())));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("metering.webhooks.endpoints[" + i + "]: " + ex.getMessage(), ex);
			}
		}
		StoredWebhookEndpoints admin = stored.getIfAvailable();
		return new WebhookRegistry(endpoints, (admin != null) ? admin::load : null, properties.getEndpointsRefresh());
	}

	@Bean
	@ConditionalOnMissingBean
	NotificationEmitter meteringNotificationEmitter(WebhookOutbox outbox, WebhookRegistry webhooks,
			ApplicationEventPublisher events, ObjectProvider<Clock> clock) {
		return new NotificationEmitter(outbox, webhooks, events, clock.getIfAvailable(Clock::systemUTC));
	}

	/** Finalized invoices become {@code invoice.finalized} notifications. */
	@Bean
	@ConditionalOnMissingBean
	InvoiceNotifications meteringInvoiceNotifications(NotificationEmitter emitter) {
		return new InvoiceNotifications(emitter);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "metering.webhooks.sender-enabled", matchIfMissing = true)
	WebhookSender meteringWebhookSender(WebhookOutbox outbox, WebhookRegistry webhooks,
			MeteringWebhookProperties properties, ObjectProvider<Clock> clock) {
		if (properties.getClaimTimeout().compareTo(properties.getConnectTimeout().plus(properties.getReadTimeout())) <= 0) {
			throw new IllegalArgumentException(
					"metering.webhooks.claim-timeout must exceed connect-timeout plus read-timeout");
		}
		return new WebhookSender(outbox, webhooks,
				new WebhookSettings(properties.getConnectTimeout(), properties.getReadTimeout(),
						properties.getInitialBackoff(), properties.getMaxBackoff(), properties.getRetryFor(),
						properties.getClaimTimeout(), properties.getPollInterval()),
				clock.getIfAvailable(Clock::systemUTC));
	}

	@Bean
	@ConditionalOnMissingBean
	ThresholdSource meteringThresholdSource(MeteringQuotaProperties quota, ObjectProvider<TenantPlans> plans,
			ObjectProvider<LayeredQuotaDefinitions> runtimeDefinitions) {
		LayeredQuotaDefinitions layered = runtimeDefinitions.getIfUnique();
		TenantPlans tenantPlans = plans.getIfUnique(
				() -> (layered != null) ? new LayeredTenantPlans(layered) : new PropertiesTenantPlans(quota));
		PropertiesThresholdSource configured = new PropertiesThresholdSource(quota, tenantPlans);
		// Runtime quotas (the admin API's rows) carry thresholds too.
		return (layered != null) ? new LayeredThresholdSource(configured, layered) : configured;
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ QuotaEnforcementService.class, UsageReader.class, BufferedLedgerWriter.class })
	QuotaThresholdWatcher meteringQuotaThresholdWatcher(QuotaEnforcementService quotas, UsageReader usage,
			ThresholdSource thresholds, NotificationEmitter emitter, MeteringWebhookProperties properties,
			BufferedLedgerWriter writer, ObjectProvider<Clock> clock, ObjectProvider<TenantDirectory> directory) {
		TenantDirectory tenants = directory.getIfAvailable(() -> TenantDirectory.FLAT);
		// An ancestor's quota counts its subtree's usage: its thresholds are checked on it.
		QuotaThresholdWatcher watcher = new QuotaThresholdWatcher(quotas,
				new SubtreeUsageReader(usage, tenants::subtreeOf), thresholds, emitter,
				properties.getThresholdCheckInterval(), properties.getThresholdReadInterval(),
				clock.getIfAvailable(Clock::systemUTC),
				(tenant) -> tenants.lineageOf(tenant).scopes());
		// Without a threshold anywhere there is nothing to check: no pair is collected.
		if (!(thresholds instanceof PropertiesThresholdSource) || thresholds.any()) {
			writer.addListener(watcher);
		}
		return watcher;
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(GrantService.class)
	GrantNotifier meteringGrantNotifier(GrantService grants, ObjectProvider<MoneyGrants> money,
			NotificationEmitter emitter, MeteringGrantProperties properties) {
		return new GrantNotifier(grants, money.getIfUnique(), emitter, properties.getCheckInterval(),
				properties.getExpiringNotice());
	}

}
