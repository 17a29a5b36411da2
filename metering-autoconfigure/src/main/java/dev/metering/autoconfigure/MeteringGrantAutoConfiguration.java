package dev.metering.autoconfigure;

import java.time.Clock;

import javax.sql.DataSource;

import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.TenantPlans;
import dev.metering.grant.GrantBackedMeters;
import dev.metering.grant.GrantRenewer;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.ledger.MeteringTables;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.rollup.SubtreeUsageReader;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantDirectory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Grants (prepaid credits) in the kit's database: the {@link GrantService}, and the grant-backed
 * meters of {@code metering.plans.<plan>.grant-backed} whose balances the quota definitions
 * enforce ({@code MeteringQuotaAutoConfiguration}).
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
		MeteringAdminAutoConfiguration.class }, before = MeteringQuotaAutoConfiguration.class)
@ConditionalOnBean({ DataSource.class, MeteringTables.class, UsageReader.class })
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.grants.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties({ MeteringQuotaProperties.class, MeteringGrantProperties.class })
public final class MeteringGrantAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	GrantBackedMeters meteringGrantBackedMeters(MeteringQuotaProperties properties, ObjectProvider<TenantPlans> plans,
			ObjectProvider<LayeredQuotaDefinitions> runtimeDefinitions) {
		if (!PropertiesGrantBackedMeters.any(properties)) {
			return GrantBackedMeters.NONE;
		}
		TenantPlans tenantPlans = plans.getIfUnique(() -> {
			LayeredQuotaDefinitions layered = runtimeDefinitions.getIfUnique();
			return (layered != null) ? new LayeredTenantPlans(layered) : new PropertiesTenantPlans(properties);
		});
		return new PropertiesGrantBackedMeters(properties, tenantPlans);
	}

	@Bean
	@ConditionalOnMissingBean
	GrantService meteringGrantService(DataSource dataSource, MeteringTables tables, UsageReader reader,
			GrantBackedMeters backed, ObjectProvider<QuotaInvalidationBus> bus, ObjectProvider<TenantDirectory> directory,
			ObjectProvider<Clock> clock) {
		TenantDirectory tenants = directory.getIfAvailable(() -> TenantDirectory.FLAT);
		// A scope's balance counts its subtree's usage, as its quotas and leases do.
		return new GrantService(dataSource, tables, new SubtreeUsageReader(reader, tenants::subtreeOf),
				(invalidation) -> bus.ifAvailable((b) -> b.publish(invalidation)), backed,
				clock.getIfAvailable(Clock::systemUTC));
	}

	/** Money grants pay the billing report's charges; the report service is asked lazily (it applies them). */
	@Bean
	@ConditionalOnMissingBean
	MoneyGrants meteringMoneyGrants(GrantService grants, ObjectProvider<BillingReportService> reports) {
		return new MoneyGrants(grants, reports::getIfAvailable);
	}

	@Bean
	@ConditionalOnMissingBean
	GrantRenewer meteringGrantRenewer(GrantService grants, MoneyGrants money, MeteringGrantProperties properties) {
		return new GrantRenewer(grants, money, properties.getCheckInterval(), properties.getRenewAhead(),
				properties.getRolloverDelay());
	}

}
