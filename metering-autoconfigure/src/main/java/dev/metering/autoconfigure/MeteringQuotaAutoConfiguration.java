package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

import javax.sql.DataSource;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.metering.grant.GrantBackedMeters;
import dev.metering.grant.GrantBalanceDefinitions;
import dev.metering.grant.GrantService;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.JdbcQuotaAdmissions;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LevelNamedQuotaDefinitions;
import dev.metering.quota.LineageWriteListener;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.QuotaAdmissions;
import dev.metering.quota.QuotaDefinitionSource;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaWarningEvent;
import dev.metering.quota.lease.QuotaLeases;
import dev.metering.rollup.SubtreeUsageReader;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantCalendars;
import dev.metering.tenant.TenantDirectory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.function.SingletonSupplier;

/**
 * Quota enforcement: definitions from {@code metering.plans} / {@code metering.tenants}, cached
 * ledger readings, this instance's unwritten usage, and the {@link QuotaEnforcementService}.
 * A wrong quota setting stops start-up with a message naming the property.
 */
@AutoConfiguration(after = MeteringLedgerAutoConfiguration.class)
@ConditionalOnClass(Caffeine.class)
@ConditionalOnBean(UsageReader.class)
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.quota.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties({ MeteringQuotaProperties.class, MeteringCacheProperties.class })
public final class MeteringQuotaAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	QuotaDefinitionSource meteringQuotaDefinitionSource(MeteringQuotaProperties properties,
			ObjectProvider<MeterDefinitions> meters) {
		return QuotaPropertiesMapper.definitions(properties, meters.getIfAvailable(() -> MeterDefinitions.NONE));
	}

	@Bean
	@ConditionalOnMissingBean
	QuotaRefreshThreads meteringQuotaRefreshThreads() {
		return new QuotaRefreshThreads(2);
	}

	@Bean
	@ConditionalOnMissingBean
	CachedQuotaDefinitions meteringCachedQuotaDefinitions(QuotaDefinitionSource source,
			MeteringQuotaProperties properties, MeteringCacheProperties cache, QuotaRefreshThreads threads,
			ObjectProvider<TenantDirectory> directory, ObjectProvider<MeterDefinitions> meters,
			ObjectProvider<TenantCalendars> calendars, ObjectProvider<GrantService> grants,
			ObjectProvider<GrantBackedMeters> grantBacked, ObjectProvider<Clock> clock) {
		TenantDirectory tenants = directory.getIfAvailable(() -> TenantDirectory.FLAT);
		// Each scope's day and month windows start in its calendar.
		TenantCalendars calendarOf = calendars.getIfAvailable(() -> TenantCalendars.UTC);
		// In a hierarchy, a policy's name says which level of the lineage it limits.
		QuotaDefinitionSource named = new LevelNamedQuotaDefinitions(source, tenants::inHierarchy, calendarOf);
		// When the source cannot be read for a scope never read, its configured definitions decide.
		QuotaDefinitionSource configured = new LevelNamedQuotaDefinitions(
				QuotaPropertiesMapper.definitions(properties, meters.getIfAvailable(() -> MeterDefinitions.NONE)),
				tenants::inHierarchy, calendarOf);
		GrantService grantService = grants.getIfAvailable();
		if (grantService != null && grantBacked.getIfAvailable(() -> GrantBackedMeters.NONE) != GrantBackedMeters.NONE) {
			// Grant-backed meters: their balances are quotas too, leased like any other.
			return new GrantBalanceDefinitions(named, configured, cache.getDefinitionsTtl(),
					cache.getMaximumDefinitionEntries(), threads.executor(), grantService,
					clock.getIfAvailable(Clock::systemUTC));
		}
		return new CachedQuotaDefinitions(named, configured, cache.getDefinitionsTtl(),
				cache.getMaximumDefinitionEntries(), threads.executor());
	}

	@Bean
	@ConditionalOnMissingBean
	LocalUsage meteringLocalUsage(CachedQuotaDefinitions definitions, ObjectProvider<BufferedLedgerWriter> writer,
			ObjectProvider<QuotaLeases> leases, ObjectProvider<Clock> clock,
			ObjectProvider<TenantDirectory> directory) {
		QuotaLeases leased = leases.getIfAvailable();
		// With leases, hard quotas need no local usage: only soft and monitor ones are tracked.
		LocalUsage local = new LocalUsage((leased != null) ? definitions::hasReadingQuota : definitions::hasQuota,
				leased, clock.getIfAvailable(Clock::systemUTC));
		// Without the kit's writer, this instance's unwritten usage is seen only through readings.
		// In a hierarchy, each event also counts at every ancestor: an ancestor's usage is its subtree's.
		writer.ifAvailable((w) -> w.addListener(
				new LineageWriteListener(local, ancestors(directory.getIfAvailable(() -> TenantDirectory.FLAT)))));
		return local;
	}

	@Bean
	@ConditionalOnMissingBean
	LedgerReadings meteringLedgerReadings(UsageReader reader, LocalUsage local, MeteringCacheProperties cache,
			QuotaRefreshThreads threads, ObjectProvider<TenantDirectory> directory) {
		return new LedgerReadings(subtree(reader, directory), local, cache.getUsageTtl(), cache.getMaximumUsageEntries(),
				threads.executor());
	}

	@Bean
	@ConditionalOnMissingBean
	QuotaEnforcementService meteringQuotaEnforcementService(CachedQuotaDefinitions definitions,
			LedgerReadings readings, LocalUsage local, ObjectProvider<QuotaLeases> leases, MeteringQuotaProperties properties,
			ObjectProvider<Clock> clock, ApplicationEventPublisher events, ObjectProvider<QuotaObserver> observers,
			ObjectProvider<QuotaAdmissions> admissions, ObjectProvider<MeterDefinitions> meters) {
		QuotaObserver observer = composite(observers);
		// The definitions themselves, not a method reference: their version lets lineage checks keep a plan.
		return new QuotaEnforcementService(definitions, readings, local, leases.getIfAvailable(),
				admissions.getIfAvailable(), meters.getIfAvailable(() -> MeterDefinitions.NONE),
				clock.getIfAvailable(Clock::systemUTC), properties.getQuota().getOnUnknownUsage(), events,
				observer);
	}

	/** A tenant's ancestors, nearest first. */
	private static Function<String, List<String>> ancestors(TenantDirectory directory) {
		return (tenant) -> {
			List<String> scopes = directory.lineageOf(tenant).scopes();
			return scopes.subList(1, scopes.size());
		};
	}

	/** Usage of a scope as quotas read it: its whole subtree's. */
	private static UsageReader subtree(UsageReader reader, ObjectProvider<TenantDirectory> directory) {
		TenantDirectory tenants = directory.getIfAvailable(() -> TenantDirectory.FLAT);
		return new SubtreeUsageReader(reader, tenants::subtreeOf);
	}

	/**
	 * Unique-count quotas and quotas filtered on a dimension, admitted per event in the kit's
	 * database: needs the kit's tables (a single DataSource).
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean({ DataSource.class, MeteringTables.class })
	static class AdmissionConfiguration {

		@Bean
		@ConditionalOnMissingBean
		QuotaAdmissions meteringQuotaAdmissions(DataSource dataSource, MeteringTables tables,
				ObjectProvider<Clock> clock) {
			return new JdbcQuotaAdmissions(dataSource, tables, clock.getIfAvailable(Clock::systemUTC));
		}

	}

	/** Hard quotas leased from the kit's database: needs the kit's tables (a single DataSource). */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean({ DataSource.class, MeteringTables.class })
	@ConditionalOnBooleanProperty(name = "metering.quota.lease.enabled", matchIfMissing = true)
	@EnableConfigurationProperties(MeteringQuotaLeaseProperties.class)
	static class LeaseConfiguration {

		@Bean
		@ConditionalOnMissingBean
		QuotaLeases meteringQuotaLeases(DataSource dataSource, MeteringTables tables, UsageReader reader,
				MeteringQuotaLeaseProperties properties, ObjectProvider<Clock> clock, QuotaRefreshThreads threads,
				ObjectProvider<QuotaObserver> observers, ObjectProvider<TenantDirectory> directory,
				ObjectProvider<TenantCalendars> calendars) {
			// A scope's budget is reconciled against its whole subtree's usage.
			return QuotaLeases.create(dataSource, tables, subtree(reader, directory),
					clock.getIfAvailable(Clock::systemUTC),
					properties.toSettings(), threads.executor(), composite(observers),
					calendars.getIfAvailable(() -> TenantCalendars.UTC), properties.coldSharePositions());
		}

		@Bean
		@ConditionalOnMissingBean
		QuotaLeaseMaintenance meteringQuotaLeaseMaintenance(QuotaLeases leases,
				MeteringQuotaLeaseProperties properties) {
			return new QuotaLeaseMaintenance(leases, properties.validatedMaintenanceInterval());
		}

	}

	/** Every observer bean, looked up once on first use: observers may be created after the service. */
	private static QuotaObserver composite(ObjectProvider<QuotaObserver> observers) {
		SingletonSupplier<List<QuotaObserver>> all = SingletonSupplier.of(() -> observers.orderedStream().toList());
		return new QuotaObserver() {

			@Override
			public void checked(QuotaDecision decision) {
				for (QuotaObserver observer : all.obtain()) {
					observer.checked(decision);
				}
			}

			@Override
			public void warned(QuotaWarningEvent event) {
				for (QuotaObserver observer : all.obtain()) {
					observer.warned(event);
				}
			}

			@Override
			public void leaseGranted(BigDecimal amount) {
				for (QuotaObserver observer : all.obtain()) {
					observer.leaseGranted(amount);
				}
			}

			@Override
			public void leaseReturned(BigDecimal amount) {
				for (QuotaObserver observer : all.obtain()) {
					observer.leaseReturned(amount);
				}
			}

			@Override
			public void leaseExpired(BigDecimal amount) {
				for (QuotaObserver observer : all.obtain()) {
					observer.leaseExpired(amount);
				}
			}

			@Override
			public void leaseRoundTrip() {
				for (QuotaObserver observer : all.obtain()) {
					observer.leaseRoundTrip();
				}
			}

		};
	}

}
