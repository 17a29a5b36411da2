package dev.metering.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Runtime quota definitions: the database tables that override {@code application.yml} and the
 * Java admin API ({@code MeteringAdmin}) that changes them.
 */
@ConfigurationProperties("metering.admin")
public class MeteringAdminProperties {

	/**
	 * Whether quota definitions are read from the database too (a row wins over the
	 * configuration) and MeteringAdmin is available. Needs the runtime definitions' tables
	 * (created by metering.jdbc.initialize-schema).
	 */
	private boolean enabled = true;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

}
