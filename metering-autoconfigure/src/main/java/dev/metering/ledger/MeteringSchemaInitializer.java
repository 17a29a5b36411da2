package dev.metering.ledger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.Resource;
import org.springframework.util.StreamUtils;

/**
 * Creates the kit's tables with Spring Boot's database-initialization machinery
 * ({@code metering.jdbc.initialize-schema = embedded | always | never}), as Spring Session JDBC
 * and Spring Batch do. The shipped scripts name every table and index with {@code metering_};
 * a different {@link MeteringTables#prefix()} is substituted as the scripts are read: in table
 * names the whole prefix, in constraint and index names the prefix without its schema
 * ({@link MeteringTables#namePrefix()}), which no database accepts qualified.
 * <p>
 * A monthly partitioned ledger ({@link #partitionedSchemaLocations()}) runs the partitioned
 * ledger's script, then the plain script without its unpartitioned ledger (the part between its
 * {@value #UNPARTITIONED_LEDGER_BEGIN} and {@value #UNPARTITIONED_LEDGER_END} lines): every other
 * table is written once, in the plain script.
 */
public class MeteringSchemaInitializer extends DataSourceScriptDatabaseInitializer {

	/** Where the shipped scripts live; {@code @@platform@@} is postgresql, h2 or mysql. */
	public static final String DEFAULT_SCHEMA_LOCATION = "classpath:dev/metering/ledger/schema-@@platform@@.sql";

	/** The partitioned ledger's script: the ledger only (PostgreSQL). */
	public static final String PARTITIONED_LEDGER_LOCATION = "classpath:dev/metering/ledger/schema-@@platform@@-partitioned.sql";

	static final String UNPARTITIONED_LEDGER_BEGIN = "-- metering:unpartitioned-ledger:begin";

	static final String UNPARTITIONED_LEDGER_END = "-- metering:unpartitioned-ledger:end";

	private static final Pattern UNPARTITIONED_LEDGER = Pattern
		.compile(Pattern.quote(UNPARTITIONED_LEDGER_BEGIN) + ".*?" + Pattern.quote(UNPARTITIONED_LEDGER_END), Pattern.DOTALL);

	/**
	 * The default prefix, with the keyword before it when it starts a constraint or index name
	 * (group 1; MySQL's inline keys included) rather than a table name.
	 */
	private static final Pattern PREFIXED_NAME = Pattern
		.compile("(?i)(\\b(?:CONSTRAINT|KEY|INDEX(?:\\s+IF\\s+NOT\\s+EXISTS)?)\\s+)?"
				+ Pattern.quote(MeteringTables.DEFAULT_PREFIX));

	private final MeteringTables tables;

	private final boolean partitionedLedger;

	public MeteringSchemaInitializer(DataSource dataSource, DatabaseInitializationSettings settings,
			MeteringTables tables) {
		this(dataSource, settings, tables, false);
	}

	/**
	 * @param partitionedLedger whether the ledger is partitioned: the scripts' unpartitioned ledger
	 * parts are then left out
	 */
	public MeteringSchemaInitializer(DataSource dataSource, DatabaseInitializationSettings settings,
			MeteringTables tables, boolean partitionedLedger) {
		super(dataSource, settings);
		this.tables = tables;
		this.partitionedLedger = partitionedLedger;
	}

	/**
	 * The scripts of a new monthly partitioned ledger, in order: the partitioned ledger, then the
	 * plain script, whose unpartitioned ledger an initializer made with {@code partitionedLedger}
	 * leaves out.
	 * @return the locations, {@code @@platform@@} for the platform
	 */
	public static List<String> partitionedSchemaLocations() {
		return List.of(PARTITIONED_LEDGER_LOCATION, DEFAULT_SCHEMA_LOCATION);
	}

	@Override
	protected void runScripts(Scripts scripts) {
		if (MeteringTables.DEFAULT_PREFIX.equals(this.tables.prefix()) && !this.partitionedLedger) {
			super.runScripts(scripts);
			return;
		}
		List<Resource> prefixed = new ArrayList<>();
		for (Resource script : scripts) {
			prefixed.add(withPrefix(script, scripts));
		}
		super.runScripts(new Scripts(prefixed).continueOnError(scripts.isContinueOnError())
			.separator(scripts.getSeparator())
			.encoding(scripts.getEncoding()));
	}

	private Resource withPrefix(Resource script, Scripts scripts) {
		try {
			Charset encoding = (scripts.getEncoding() != null) ? scripts.getEncoding() : StandardCharsets.UTF_8;
			String sql = StreamUtils.copyToString(script.getInputStream(), encoding);
			String replaced = withPrefix(this.partitionedLedger ? withoutUnpartitionedLedger(sql) : sql, this.tables);
			return new ByteArrayResource(replaced.getBytes(encoding), script.getDescription());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read metering schema script " + script, ex);
		}
	}

	/**
	 * A script without its unpartitioned ledger part, for a partitioned ledger made by its own script.
	 * @param sql the script
	 * @return the script without the part between the markers (the whole script when it has none)
	 */
	static String withoutUnpartitionedLedger(String sql) {
		return UNPARTITIONED_LEDGER.matcher(sql).replaceAll("");
	}

	/**
	 * A script written for the default prefix, for other tables.
	 * @param sql the script
	 * @param tables the tables it is for
	 * @return the script with the tables' prefixes
	 */
	static String withPrefix(String sql, MeteringTables tables) {
		return PREFIXED_NAME.matcher(sql)
			.replaceAll((match) -> Matcher.quoteReplacement((match.group(1) != null)
					? match.group(1) + tables.namePrefix() : tables.prefix()));
	}

}
