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
 */
public class MeteringSchemaInitializer extends DataSourceScriptDatabaseInitializer {

	/** Where the shipped scripts live; {@code @@platform@@} is postgresql, h2 or mysql. */
	public static final String DEFAULT_SCHEMA_LOCATION = "classpath:dev/metering/ledger/schema-@@platform@@.sql";

	/**
	 * The default prefix, with the keyword before it when it starts a constraint or index name
	 * (group 1; MySQL's inline keys included) rather than a table name.
	 */
	private static final Pattern PREFIXED_NAME = Pattern
		.compile("(?i)(\\b(?:CONSTRAINT|KEY|INDEX(?:\\s+IF\\s+NOT\\s+EXISTS)?)\\s+)?"
				+ Pattern.quote(MeteringTables.DEFAULT_PREFIX));

	private final MeteringTables tables;

	public MeteringSchemaInitializer(DataSource dataSource, DatabaseInitializationSettings settings,
			MeteringTables tables) {
		super(dataSource, settings);
		this.tables = tables;
	}

	@Override
	protected void runScripts(Scripts scripts) {
		if (MeteringTables.DEFAULT_PREFIX.equals(this.tables.prefix())) {
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
			String replaced = withPrefix(sql, this.tables);
			return new ByteArrayResource(replaced.getBytes(encoding), script.getDescription());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read metering schema script " + script, ex);
		}
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
