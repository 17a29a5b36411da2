package dev.metering.ledger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
 * a different {@link MeteringTables#prefix()} is substituted as the scripts are read.
 */
public class MeteringSchemaInitializer extends DataSourceScriptDatabaseInitializer {

	/** Where the shipped scripts live; {@code @@platform@@} is postgresql, h2 or mysql. */
	public static final String DEFAULT_SCHEMA_LOCATION = "classpath:dev/metering/ledger/schema-@@platform@@.sql";

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
			String replaced = sql.replace(MeteringTables.DEFAULT_PREFIX, this.tables.prefix());
			return new ByteArrayResource(replaced.getBytes(encoding), script.getDescription());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read metering schema script " + script, ex);
		}
	}

}
