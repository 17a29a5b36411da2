package dev.metering.autoconfigure;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.billing.BillingCredits;
import dev.metering.billing.MoneyCredits;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingPeriods;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.InvalidBillingConfigurationException;
import dev.metering.billing.InvoiceCloser;
import dev.metering.billing.InvoiceStore;
import dev.metering.billing.PlanPricingSource;
import dev.metering.billing.RecordedEvents;
import dev.metering.billing.TenantPlans;
import dev.metering.billing.UsageSummaryService;
import dev.metering.correction.LedgerCorrections;
import dev.metering.event.EventCorrections;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.MeterDefinitions;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantCalendars;
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
 * Billing: plan prices from {@code metering.billing.plans}, tenants' plans from the runtime
 * definitions when they exist (else from {@code metering.tenants}), billing reports and usage
 * summaries over the rollups; closed periods stored as invoices by the rollup's scheduler
 * ({@code metering.billing.invoices}). A wrong price stops start-up naming the property.
 */
@AutoConfiguration(after = { MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class })
@ConditionalOnBean({ UsageReader.class, MeteringTables.class })
@ConditionalOnBooleanProperty(name = "metering.enabled", matchIfMissing = true)
@EnableConfigurationProperties({ MeteringBillingProperties.class, MeteringQuotaProperties.class, MeteringJdbcProperties.class,
		MeteringLedgerProperties.class })
public final class MeteringBillingAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TenantPlans meteringTenantPlans(MeteringQuotaProperties properties,
			ObjectProvider<LayeredQuotaDefinitions> runtimeDefinitions) {
		// A plan assigned at runtime must be the plan the report prices with.
		LayeredQuotaDefinitions layered = runtimeDefinitions.getIfUnique();
		return (layered != null) ? new LayeredTenantPlans(layered) : new PropertiesTenantPlans(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	PlanPricingSource meteringPlanPricingSource(MeteringBillingProperties properties,
			ObjectProvider<MeterDefinitions> meters) {
		return BillingPropertiesMapper.pricing(properties, meters.getIfAvailable(() -> MeterDefinitions.NONE));
	}

	@Bean
	@ConditionalOnMissingBean
	BillingReportService meteringBillingReportService(TenantPlans plans, PlanPricingSource pricing,
			UsageReader usage, DataSource dataSource, MeteringJdbcProperties jdbc, MeteringLedgerProperties ledger,
			MeteringBillingProperties billing, MeteringTables tables, ObjectProvider<Clock> clock,
			ObjectProvider<MeterDefinitions> meters, ObjectProvider<TenantCalendars> calendars,
			ObjectProvider<BillingCredits> credits, ObjectProvider<MoneyCredits> money) {
		return new BillingReportService(plans, pricing, usage, dataSource,
				MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc), tables, billing.getRoundingMode(),
				closeAfter(ledger, billing), clock.getIfAvailable(Clock::systemUTC),
				() -> meters.getIfAvailable(() -> MeterDefinitions.NONE),
				calendars.getIfAvailable(() -> TenantCalendars.UTC), credits.getIfAvailable(() -> BillingCredits.NONE),
				money.getIfAvailable(() -> MoneyCredits.NONE));
	}

	/** Voids and corrections as ledger rows; the recorder's {@code voidEvent} and {@code correct} use them. */
	@Bean
	@ConditionalOnMissingBean
	EventCorrections meteringEventCorrections(DataSource dataSource, MeteringJdbcProperties jdbc,
			MeteringLedgerProperties ledger, MeteringBillingProperties billing, MeteringTables tables,
			ObjectProvider<Clock> clock, ObjectProvider<TenantDirectory> tenants,
			ObjectProvider<MeterDefinitions> meters, ObjectProvider<TenantCalendars> calendars) {
		return new LedgerCorrections(dataSource, MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc), tables,
				clock.getIfAvailable(Clock::systemUTC), closeAfter(ledger, billing), billing.getCorrectionWait(),
				(tenant) -> tenants.getIfAvailable(() -> TenantDirectory.FLAT).lineageOf(tenant).scopes(),
				() -> meters.getIfAvailable(() -> MeterDefinitions.NONE),
				calendars.getIfAvailable(() -> TenantCalendars.UTC));
	}

	/** The close may not be shorter than the late window: a late event could then change a closed report. */
	static Duration closeAfter(MeteringLedgerProperties ledger, MeteringBillingProperties billing) {
		Duration lateWindow = ledger.getLateWindow();
		Duration closeAfter = (billing.getCloseAfter() != null) ? billing.getCloseAfter() : lateWindow;
		if (closeAfter.compareTo(lateWindow) < 0) {
			throw new InvalidBillingConfigurationException("metering.billing.close-after",
					"must not be shorter than metering.ledger.late-window (" + lateWindow
							+ "), or late events would change closed reports; was " + closeAfter);
		}
		return closeAfter;
	}

	@Bean
	@ConditionalOnMissingBean
	BillingPeriods meteringBillingPeriods(ObjectProvider<TenantCalendars> calendars) {
		// Each scope's periods in its calendar (time zone and anchor day), as its reports have them.
		TenantCalendars calendarOf = calendars.getIfAvailable(() -> TenantCalendars.UTC);
		return (billingScope, at) -> BillingPeriod.of(calendarOf.calendarOf(billingScope).period(at));
	}

	@Bean
	@ConditionalOnMissingBean
	InvoiceStore meteringInvoiceStore(DataSource dataSource, MeteringJdbcProperties jdbc, MeteringTables tables) {
		return new InvoiceStore(dataSource, MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc), tables);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "metering.billing.invoices.enabled", matchIfMissing = true)
	InvoiceCloser meteringInvoiceCloser(DataSource dataSource, MeteringJdbcProperties jdbc, MeteringTables tables,
			BillingReportService reports, BillingPeriods periods, MeteringLedgerProperties ledger,
			MeteringBillingProperties billing, ObjectProvider<Clock> clock, ApplicationEventPublisher events) {
		MeteringBillingProperties.Invoices invoices = billing.getInvoices();
		InvoiceCloser.InvoiceSettings settings;
		try {
			settings = new InvoiceCloser.InvoiceSettings(invoices.getIssuer(), closeAfter(ledger, billing),
					invoices.getLookBack(), invoices.getBatchSize(), invoices.getCheckInterval());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidBillingConfigurationException("metering.billing.invoices", ex.getMessage());
		}
		return new InvoiceCloser(dataSource, MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc), tables,
				reports, periods, settings, clock.getIfAvailable(Clock::systemUTC), events);
	}

	@Bean
	@ConditionalOnMissingBean
	UsageSummaryService meteringUsageSummaryService(DataSource dataSource, MeteringJdbcProperties jdbc,
			MeteringTables tables, ObjectProvider<TenantCalendars> calendars) {
		return new UsageSummaryService(dataSource, MeteringLedgerAutoConfiguration.dialect(dataSource, jdbc),
				tables, calendars.getIfAvailable(() -> TenantCalendars.UTC));
	}

	@Bean
	@ConditionalOnMissingBean
	RecordedEvents meteringRecordedEvents(DataSource dataSource, MeteringTables tables) {
		return new RecordedEvents(dataSource, tables);
	}

}
