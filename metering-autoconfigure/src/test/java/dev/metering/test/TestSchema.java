package dev.metering.test;

import java.nio.charset.StandardCharsets;

import javax.sql.DataSource;

import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.internal.sql.LedgerDatabase;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.util.StreamUtils;

/**
 * The kit's tables under a prefix of one test's own, created with the kit's schema initializer
 * and dropped on {@link #close()}.
 */
public final class TestSchema implements AutoCloseable {

	private final TestDatabase database;

	private final DataSource dataSource;

	private final MeteringTables tables;

	private final JdbcTemplate jdbc;

	TestSchema(TestDatabase database, DataSource dataSource, String prefix) {
		this(database, dataSource, prefix, MeteringSchemaInitializer.DEFAULT_SCHEMA_LOCATION);
	}

	/**
	 * Tables made by another schema script ({@code @@platform@@} in its location), e.g. an earlier
	 * version's; for {@link MeteringSchemaInitializer#PARTITIONED_LEDGER_LOCATION} the scripts the kit
	 * runs for a new partitioned ledger.
	 */
	TestSchema(TestDatabase database, DataSource dataSource, String prefix, String schemaLocation) {
		this.database = database;
		this.dataSource = dataSource;
		this.tables = new MeteringTables(prefix);
		this.jdbc = new JdbcTemplate(dataSource);
		boolean partitioned = MeteringSchemaInitializer.PARTITIONED_LEDGER_LOCATION.equals(schemaLocation);
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations((partitioned ? MeteringSchemaInitializer.partitionedSchemaLocations()
				: java.util.List.of(schemaLocation)).stream()
			.map((location) -> location.replace("@@platform@@", database.platform()))
			.toList());
		settings.setMode(DatabaseInitializationMode.ALWAYS);
		MeteringSchemaInitializer initializer = new MeteringSchemaInitializer(dataSource, settings, this.tables,
				partitioned);
		initializer.initializeDatabase();
	}

	/**
	 * Runs another script on these tables (the default prefix replaced by theirs), e.g. an upgrade.
	 * @param location the script's location, {@code @@platform@@} for the database's platform
	 */
	public void runScript(String location) {
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations(java.util.List.of(location.replace("@@platform@@", this.database.platform())));
		settings.setMode(DatabaseInitializationMode.ALWAYS);
		new MeteringSchemaInitializer(this.dataSource, settings, this.tables).initializeDatabase();
	}

	public TestDatabase database() {
		return this.database;
	}

	public DataSource dataSource() {
		return this.dataSource;
	}

	public MeteringTables tables() {
		return this.tables;
	}

	public String prefix() {
		return this.tables.prefix();
	}

	public JdbcTemplate jdbc() {
		return this.jdbc;
	}

	public LedgerDatabase dialect() {
		return LedgerDatabase.forPlatform(this.database.platform());
	}

	/** Rows in the usage ledger. */
	public long eventCount() {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM " + this.tables.usageEvent(), Long.class);
		return (count != null) ? count : 0;
	}

	@Override
	public void close() {
		try {
			String drop = StreamUtils.copyToString(
					new ClassPathResource("dev/metering/ledger/schema-drop-" + this.database.platform() + ".sql")
						.getInputStream(),
					StandardCharsets.UTF_8)
				.replace(MeteringTables.DEFAULT_PREFIX, this.tables.prefix());
			new ResourceDatabasePopulator(new ByteArrayResource(drop.getBytes(StandardCharsets.UTF_8)))
				.execute(this.dataSource);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not drop test tables " + this.tables.prefix() + "*", ex);
		}
	}

}
