package dev.metering.autoconfigure;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringTables;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.bus.InProcessInvalidationBus;
import dev.metering.quota.bus.PostgresInvalidationBus;
import dev.metering.quota.bus.QuotaCacheInvalidator;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.quota.bus.RedisInvalidationBus;
import dev.metering.quota.lease.QuotaLeases;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.TenantDirectory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * The quota invalidation bus ({@code metering.bus.type}): evicts the quota caches of every
 * instance when a runtime definition changes.
 */
@AutoConfiguration(after = MeteringQuotaAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnBean(CachedQuotaDefinitions.class)
@ConditionalOnBooleanProperty(name = "metering.enabled", matchIfMissing = true)
@EnableConfigurationProperties({ MeteringBusProperties.class, MeteringJdbcProperties.class })
public final class MeteringBusAutoConfiguration {

	private static final String PG_CONNECTION = "org.postgresql.PGConnection";

	@Bean
	@ConditionalOnMissingBean
	QuotaCacheInvalidator meteringQuotaCacheInvalidator(CachedQuotaDefinitions definitions,
			ObjectProvider<LedgerReadings> readings, ObjectProvider<TenantDirectory> directory,
			ObjectProvider<JdbcRuntimeDefinitions> runtime, ObjectProvider<QuotaLeases> leases) {
		TenantDirectory tenants = directory.getIfAvailable();
		JdbcRuntimeDefinitions rows = runtime.getIfUnique();
		Runnable hierarchyChanged = () -> {
			// What enforcement keeps of the tables (which tenants have rows, plans' quotas) first,
			// so the lineages and definitions reloaded next read the change.
			if (rows != null) {
				rows.forgetCachedReads();
			}
			if (tenants instanceof CachedTenantDirectory cached) {
				cached.invalidateAll();
			}
		};
		// Changes may have been missed: what is kept of the tables and the lineages are read again
		// first, then the quota definitions read from them; everything held serves meanwhile.
		Supplier<CompletableFuture<Void>> refreshAll = () -> {
			CompletableFuture<Void> reads = (rows != null) ? rows.refreshCachedReads()
					: CompletableFuture.completedFuture(null);
			CompletableFuture<Void> lineages = (tenants instanceof CachedTenantDirectory cached) ? cached.refreshAll()
					: CompletableFuture.completedFuture(null);
			return CompletableFuture.allOf(reads, lineages)
				.handle((done, ex) -> null)
				.thenCompose((done) -> definitions.refreshAll());
		};
		return new QuotaCacheInvalidator(definitions, readings.getIfAvailable(), hierarchyChanged,
				leases.getIfUnique(), (tenants != null) ? (scope) -> tenants.lineageOf(scope).scopes() : List::of,
				refreshAll);
	}

	/** Redis pub/sub, when a RedisConnectionFactory is configured and the type is auto or redis. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedisConnectionFactory.class)
	@ConditionalOnBean(RedisConnectionFactory.class)
	@Conditional(OnRedisBusCondition.class)
	static class RedisBusConfiguration {

		@Bean
		@ConditionalOnMissingBean
		QuotaInvalidationBus meteringQuotaInvalidationBus(MeteringBusProperties bus, MeteringTables tables,
				RedisConnectionFactory connectionFactory, QuotaCacheInvalidator invalidator) {
			return new RedisInvalidationBus(connectionFactory, channel(bus, tables), invalidator,
					bus.getInitialBackoff(), bus.getMaximumBackoff());
		}

	}

	static final class OnRedisBusCondition extends AnyNestedCondition {

		OnRedisBusCondition() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnProperty(name = "metering.bus.type", havingValue = "auto", matchIfMissing = true)
		static class Auto {

		}

		@ConditionalOnProperty(name = "metering.bus.type", havingValue = "redis")
		static class Redis {

		}

	}

	@Bean
	@ConditionalOnMissingBean
	QuotaInvalidationBus meteringQuotaInvalidationBus(MeteringBusProperties bus, MeteringJdbcProperties jdbc,
			MeteringTables tables, ObjectProvider<DataSource> dataSource, QuotaCacheInvalidator invalidator) {
		MeteringBusProperties.BusType type = bus.getType();
		if (type == MeteringBusProperties.BusType.NONE) {
			return new InProcessInvalidationBus(invalidator, "none");
		}
		if (type == MeteringBusProperties.BusType.REDIS) {
			throw new InvalidQuotaConfigurationException("metering.bus.type", "redis",
					"needs spring-data-redis on the classpath and a RedisConnectionFactory bean");
		}
		DataSource database = dataSource.getIfUnique();
		boolean postgres = database != null && ClassUtils.isPresent(PG_CONNECTION, getClass().getClassLoader())
				&& MeteringLedgerAutoConfiguration.dialect(database, jdbc).get() == LedgerDatabase.POSTGRESQL;
		if (type == MeteringBusProperties.BusType.POSTGRES && !postgres) {
			throw new InvalidQuotaConfigurationException("metering.bus.type", "postgres",
					"needs a PostgreSQL DataSource and the PostgreSQL JDBC driver");
		}
		if (postgres && type != MeteringBusProperties.BusType.IN_PROCESS) {
			return new PostgresInvalidationBus(database, channel(bus, tables), invalidator, bus.getInitialBackoff(),
					bus.getMaximumBackoff());
		}
		return new InProcessInvalidationBus(invalidator);
	}

	static String channel(MeteringBusProperties bus, MeteringTables tables) {
		return StringUtils.hasText(bus.getChannel()) ? bus.getChannel()
				: tables.prefix().replace('.', '_') + "quota_changes";
	}

}
