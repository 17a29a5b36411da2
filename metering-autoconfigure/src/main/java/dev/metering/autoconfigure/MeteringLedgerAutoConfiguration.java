package dev.metering.autoconfigure;

import java.time.Clock;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.UsageEventSink;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.LedgerDatabase;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.ledger.UsageEventStore;
import dev.metering.ledger.WriterSettings;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.init.PlatformPlaceholderDatabaseDriverResolver;
import org.springframework.boot.sql.autoconfigure.init.OnDatabaseInitializationCondition;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.StringUtils;

/**
 * The usage ledger: schema, JDBC store, buffered writer and the {@link UsageRecorder}.
 * Backs off without a single DataSource, and when {@code metering.enabled=false}.
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class)
@ConditionalOnClass({ JdbcTemplate.class, DataSource.class })
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnBooleanProperty(name = "metering.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MeteringProperties.class)
public final class MeteringLedgerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MeteringTables meteringTables(MeteringProperties properties) {
		return new MeteringTables(properties.getJdbc().getTablePrefix());
	}

	@Bean
	@ConditionalOnMissingBean
	@Conditional(OnMeteringDatabaseInitializationCondition.class)
	MeteringSchemaInitializer meteringSchemaInitializer(DataSource dataSource, MeteringProperties properties,
			MeteringTables tables) {
		MeteringProperties.Jdbc jdbc = properties.getJdbc();
		PlatformPlaceholderDatabaseDriverResolver platformResolver = new PlatformPlaceholderDatabaseDriverResolver()
			.withDriverPlatform(DatabaseDriver.MARIADB, "mysql");
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations(StringUtils.hasText(jdbc.getPlatform())
				? platformResolver.resolveAll(LedgerDatabase.forPlatform(jdbc.getPlatform()).platform(), jdbc.getSchema())
				: platformResolver.resolveAll(dataSource, jdbc.getSchema()));
		settings.setMode(jdbc.getInitializeSchema());
		return new MeteringSchemaInitializer(dataSource, settings, tables);
	}

	@Bean
	@ConditionalOnMissingBean
	UsageEventStore meteringUsageEventStore(DataSource dataSource, MeteringProperties properties,
			MeteringTables tables) {
		return new JdbcUsageEventStore(dataSource, dialect(dataSource, properties), tables);
	}

	/** The configured database, or the one detected from the DataSource on first use (not at start-up). */
	static Supplier<LedgerDatabase> dialect(DataSource dataSource, MeteringProperties properties) {
		String platform = properties.getJdbc().getPlatform();
		return StringUtils.hasText(platform) ? () -> LedgerDatabase.forPlatform(platform)
				: () -> LedgerDatabase.detect(dataSource);
	}

	@Bean
	@ConditionalOnMissingBean(UsageEventSink.class)
	BufferedLedgerWriter meteringLedgerWriter(UsageEventStore store, MeteringProperties properties,
			ObjectProvider<Clock> clock) {
		MeteringProperties.Writer writer = properties.getWriter();
		WriterSettings settings = new WriterSettings(writer.getCapacity(), writer.getBatchSize(),
				writer.getFlushInterval(), writer.getOverflow(), writer.getBlockTimeout(), writer.getShutdownTimeout(),
				writer.getRetry().getInitialBackoff(), writer.getRetry().getMaxBackoff());
		return new BufferedLedgerWriter(store, settings, clock.getIfAvailable(Clock::systemUTC));
	}

	@Bean
	@ConditionalOnMissingBean
	UsageEventValidator meteringUsageEventValidator(MeteringProperties properties, ObjectProvider<Clock> clock) {
		return new UsageEventValidator(clock.getIfAvailable(Clock::systemUTC), properties.getLedger().getLateWindow(),
				properties.getLedger().getMaxQuantity());
	}

	@Bean
	@ConditionalOnMissingBean
	UsageRecorder meteringUsageRecorder(UsageEventValidator validator, UsageEventSink sink) {
		return new DefaultUsageRecorder(validator, sink);
	}

	static final class OnMeteringDatabaseInitializationCondition extends OnDatabaseInitializationCondition {

		OnMeteringDatabaseInitializationCondition() {
			super("Metering", "metering.jdbc.initialize-schema");
		}

	}

}
