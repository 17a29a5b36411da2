package dev.metering.autoconfigure;

import dev.metering.ledger.MeteringSchemaInitializer;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.jdbc.init.DatabaseInitializationProperties;

/**
 * Where and how the kit keeps its tables, under {@code metering.jdbc}: Spring Boot's
 * database-initialization properties ({@code initialize-schema}, {@code schema},
 * {@code platform}, {@code continue-on-error}) as Spring Session JDBC and Spring Batch have them,
 * plus the table prefix. The platform also selects the SQL dialect when set.
 */
@ConfigurationProperties("metering.jdbc")
public class MeteringJdbcProperties extends DatabaseInitializationProperties {

	/**
	 * Prefix of every table and index name, optionally schema-qualified ('billing.metering_').
	 */
	private String tablePrefix = "metering_";

	public MeteringJdbcProperties() {
		// The kit's scripts are idempotent (IF NOT EXISTS): an error is real and stops start-up.
		setContinueOnError(false);
	}

	public String getTablePrefix() {
		return this.tablePrefix;
	}

	public void setTablePrefix(String tablePrefix) {
		this.tablePrefix = tablePrefix;
	}

	@Override
	public String getDefaultSchemaLocation() {
		return MeteringSchemaInitializer.DEFAULT_SCHEMA_LOCATION;
	}

}
