package dev.metering.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

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

	/**
	 * The admin REST API.
	 */
	private final Web web = new Web();

	public Web getWeb() {
		return this.web;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * The admin REST API: off by default, and never open. With Spring Security a caller needs the
	 * authority; without it the API key is required or the application does not start.
	 */
	public static class Web {

		/**
		 * Whether the admin REST endpoints are mounted.
		 */
		private boolean enabled;

		/**
		 * The path the endpoints are mounted under.
		 */
		private String basePath = "/metering/admin";

		/**
		 * The granted authority (exactly as granted: no 'ROLE_' prefix is added) an
		 * authenticated caller needs (with Spring Security). The one admin rule: it also lets a
		 * caller of the usage API act for any tenant.
		 */
		private String authority = "METERING_ADMIN";

		/**
		 * A static key callers send in the X-Metering-Admin-Key header. Required without Spring
		 * Security; with it, an alternative to the authority.
		 */
		private String apiKey;

		/**
		 * The largest request body accepted; larger ones get 413.
		 */
		private DataSize maxBodySize = DataSize.ofKilobytes(16);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getBasePath() {
			return this.basePath;
		}

		public void setBasePath(String basePath) {
			this.basePath = basePath;
		}

		public String getAuthority() {
			return this.authority;
		}

		public void setAuthority(String authority) {
			this.authority = authority;
		}

		public String getApiKey() {
			return this.apiKey;
		}

		public void setApiKey(String apiKey) {
			this.apiKey = apiKey;
		}

		public DataSize getMaxBodySize() {
			return this.maxBodySize;
		}

		public void setMaxBodySize(DataSize maxBodySize) {
			this.maxBodySize = maxBodySize;
		}

	}

}
