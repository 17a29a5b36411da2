package dev.metering.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.event.BillingAttribution;
import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.EventCorrections;
import dev.metering.event.UsageEventSink;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.EventSpool;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.LedgerPartitions;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.ledger.SpoolSettings;
import dev.metering.ledger.UsageEventStore;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.init.PlatformPlaceholderDatabaseDriverResolver;
import org.springframework.boot.sql.autoconfigure.init.OnDatabaseInitializationCondition;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.StringUtils;
import org.springframework.util.function.SingletonSupplier;

/**
 * The usage ledger: schema, JDBC store, buffered writer and the {@link UsageRecorder}.
 * Backs off without a single DataSource, and when {@code metering.enabled=false}.
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class)
@ConditionalOnClass({ JdbcTemplate.class, DataSource.class })
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnBooleanProperty(name = "metering.enabled", matchIfMissing = true)
@EnableConfigurationProperties({ MeteringJdbcProperties.class, MeteringLedgerProperties.class,
		MeteringWriterProperties.class, SpoolProperties.class, MeteringRollupProperties.class,
		MeteringMetersProperties.class })
// Beans marked @DependsOnDatabaseInitialization are created after the kit's schema script has run,
// whether or not Boot's own JDBC auto-configurations (which import the same configurer) are on.
@Import(DatabaseInitializationDependencyConfigurer.class)
public final class MeteringLedgerAutoConfiguration {

	/** How many months after this one a partitioned ledger has partitions for. */
	private static final int MONTHS_AHEAD = 3;

	@Bean
	@ConditionalOnMissingBean
	MeteringTables meteringTables(MeteringJdbcProperties jdbc) {
		return new MeteringTables(jdbc.getTablePrefix());
	}

	@Bean
	@ConditionalOnMissingBean
	@Conditional(OnMeteringDatabaseInitializationCondition.class)
	MeteringSchemaInitializer meteringSchemaInitializer(DataSource dataSource, MeteringJdbcProperties jdbc,
			MeteringTables tables, MeteringLedgerProperties ledger) {
		LedgerLayoutCheck.check(ledger, dialect(dataSource, jdbc));
		boolean partitioned = ledger.getPartitioning() == MeteringLedgerProperties.Partitioning.MONTHLY;
		// metering.jdbc.schema is the plain script unless set: Boot's properties start with the default.
		boolean ownSchema = StringUtils.hasText(jdbc.getSchema())
				&& !jdbc.getSchema().equals(jdbc.getDefaultSchemaLocation());
		List<String> schema = ownSchema ? List.of(jdbc.getSchema())
				: partitioned ? MeteringSchemaInitializer.partitionedSchemaLocations()
						: List.of(jdbc.getDefaultSchemaLocation());
		PlatformPlaceholderDatabaseDriverResolver platformResolver = new PlatformPlaceholderDatabaseDriverResolver()
			.withDriverPlatform(DatabaseDriver.MARIADB, "mysql");
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations(StringUtils.hasText(jdbc.getPlatform())
				? platformResolver.resolveAll(LedgerDatabase.forPlatform(jdbc.getPlatform()).platform(), schema.toArray(String[]::new))
				: platformResolver.resolveAll(dataSource, schema.toArray(String[]::new)));
		settings.setMode(jdbc.getInitializeSchema());
		settings.setContinueOnError(jdbc.isContinueOnError());
		return new MeteringSchemaInitializer(dataSource, settings, tables, partitioned);
	}

	@Bean
	@ConditionalOnMissingBean
	UsageEventStore meteringUsageEventStore(DataSource dataSource, MeteringJdbcProperties jdbc,
			MeteringTables tables, MeteringRollupProperties rollup, MeteringLedgerProperties ledger,
			ObjectProvider<MeterDefinitions> meters) {
		LedgerLayoutCheck.check(ledger, dialect(dataSource, jdbc));
		// Looked up on the first batch: the definitions may be made after the store.
		Supplier<MeterDefinitions> definitions = SingletonSupplier
			.of(() -> meters.getIfAvailable(() -> MeterDefinitions.NONE));
		return new JdbcUsageEventStore(dataSource, dialect(dataSource, jdbc), tables, rollup.isBatchSums(),
				(meter) -> definitions.get().find(meter) != null);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(name = "metering.ledger.partitioning", havingValue = "monthly")
	LedgerPartitions meteringLedgerPartitions(DataSource dataSource, MeteringTables tables,
			MeteringLedgerProperties ledger, ObjectProvider<Clock> clock, Environment environment) {
		// Every month the late window reaches, whole: a 35-day window spans at most three months.
		int monthsBack = (int) (ledger.getLateWindow().toDays() / 28) + 1;
		Duration closeAfter = Binder.get(environment)
			.bind("metering.billing.close-after", Duration.class)
			.orElse(ledger.getLateWindow());
		return new LedgerPartitions(dataSource, tables, clock.getIfAvailable(Clock::systemUTC), monthsBack,
				MONTHS_AHEAD, ledger.getRetention(), closeAfter);
	}

	/** The configured database, or the one detected from the DataSource on first use (not at start-up). */
	static Supplier<LedgerDatabase> dialect(DataSource dataSource, MeteringJdbcProperties jdbc) {
		String platform = jdbc.getPlatform();
		return StringUtils.hasText(platform) ? () -> LedgerDatabase.forPlatform(platform)
				: () -> LedgerDatabase.detect(dataSource);
	}

	@Bean
	@ConditionalOnMissingBean(UsageEventSink.class)
	BufferedLedgerWriter meteringLedgerWriter(UsageEventStore store, MeteringWriterProperties writer,
			MeteringLedgerProperties ledger, ObjectProvider<Clock> clock) {
		return new BufferedLedgerWriter(store, writer.toSettings(), clock.getIfAvailable(Clock::systemUTC),
				ledger.getLateWindow());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(BufferedLedgerWriter.class)
	@ConditionalOnBooleanProperty("metering.writer.spool.enabled")
	EventSpool meteringEventSpool(BufferedLedgerWriter writer, SpoolProperties spool,
			MeteringWriterProperties writerProperties) {
		return new EventSpool(writer,
				new SpoolSettings(spool.getDirectory(), Math.toIntExact(spool.getSegmentSize().toBytes()),
						spool.getMaxSize().toBytes(), spool.getFsyncInterval(), writerProperties.getShutdownTimeout()));
	}

	@Bean
	@ConditionalOnMissingBean
	UsageEventValidator meteringUsageEventValidator(MeteringLedgerProperties ledger, ObjectProvider<Clock> clock) {
		return UsageEventValidator.standard(clock.getIfAvailable(Clock::systemUTC), ledger.getLateWindow(),
				ledger.getMaxQuantity());
	}

	@Bean
	@ConditionalOnMissingBean
	UsageRecorder meteringUsageRecorder(UsageEventValidator validator, UsageEventSink sink,
			ObjectProvider<BillingAttribution> attribution, MeterDefinitions meters,
			ObjectProvider<EventCorrections> corrections) {
		return new DefaultUsageRecorder(validator, sink, attribution.getIfUnique(() -> BillingAttribution.SELF),
				new MeterEvents(meters), SingletonSupplier.of(() -> corrections.getIfAvailable(() -> EventCorrections.NONE)));
	}

	/**
	 * The meter definitions of {@code metering.meters}, checked at start-up. The request filter's
	 * meter (when the filter is on) stays a count of requests.
	 */
	@Bean
	@ConditionalOnMissingBean
	MeterDefinitions meteringMeterDefinitions(MeteringMetersProperties meters, Environment environment) {
		return meters.toDefinitions(requestMeter(environment));
	}

	/** The meter the request filter records, {@code null} when the filter is off. */
	static @Nullable String requestMeter(Environment environment) {
		boolean filterOn = environment.getProperty("metering.web.enabled", Boolean.class, true);
		return filterOn ? environment.getProperty("metering.web.request-meter", "http.requests") : null;
	}

	static final class OnMeteringDatabaseInitializationCondition extends OnDatabaseInitializationCondition {

		OnMeteringDatabaseInitializationCondition() {
			super("Metering", "metering.jdbc.initialize-schema");
		}

	}

}
