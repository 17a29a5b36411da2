package dev.metering.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The usage HTTP API, under {@code metering.api}: events ingest, usage, quota status and
 * billing reports. Off by default.
 */
@ConfigurationProperties("metering.api")
public class MeteringApiProperties {

	/**
	 * Whether to mount the usage HTTP API.
	 */
	private boolean enabled;

	/**
	 * Path the API's routes are mounted under.
	 */
	private String basePath = "/api";

	/**
	 * Who may call the API. 'auto': the caller's tenant when Spring Security is present, else
	 * the API key. 'local' lets anyone call it, for local development only.
	 */
	private Auth auth = Auth.AUTO;

	/**
	 * The key callers send in the API key header (auth 'api-key', or 'auto' without Spring
	 * Security). Required then: the application does not start without it.
	 */
	private String apiKey;

	/**
	 * Request header that carries the API key.
	 */
	private String apiKeyHeader = "X-Api-Key";

	/**
	 * Most events one POST to /events may carry.
	 */
	private int maxBatchSize = 1000;

	/**
	 * Largest request body accepted; larger ones get 413.
	 */
	private DataSize maxBodySize = DataSize.ofMegabytes(1);

	/**
	 * Most users the top-users route returns.
	 */
	private int maxTopUsers = 100;

	/**
	 * The longest POST /events waits for the ledger to say which of its idempotency keys are
	 * already recorded. After it (a database outage), the events are accepted into the buffer
	 * unchecked and answered 202: the ledger still keeps each key once.
	 */
	private Duration idempotencyLookupTimeout = Duration.ofMillis(500);

	public Duration getIdempotencyLookupTimeout() {
		return this.idempotencyLookupTimeout;
	}

	public void setIdempotencyLookupTimeout(Duration idempotencyLookupTimeout) {
		this.idempotencyLookupTimeout = idempotencyLookupTimeout;
	}

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

	public Auth getAuth() {
		return this.auth;
	}

	public void setAuth(Auth auth) {
		this.auth = auth;
	}

	public String getApiKey() {
		return this.apiKey;
	}

	public void setApiKey(String apiKey) {
		this.apiKey = apiKey;
	}

	public String getApiKeyHeader() {
		return this.apiKeyHeader;
	}

	public void setApiKeyHeader(String apiKeyHeader) {
		this.apiKeyHeader = apiKeyHeader;
	}

	public int getMaxBatchSize() {
		return this.maxBatchSize;
	}

	public void setMaxBatchSize(int maxBatchSize) {
		this.maxBatchSize = maxBatchSize;
	}

	public DataSize getMaxBodySize() {
		return this.maxBodySize;
	}

	public void setMaxBodySize(DataSize maxBodySize) {
		this.maxBodySize = maxBodySize;
	}

	public int getMaxTopUsers() {
		return this.maxTopUsers;
	}

	public void setMaxTopUsers(int maxTopUsers) {
		this.maxTopUsers = maxTopUsers;
	}

	/**
	 * How callers of the API are authorised.
	 */
	public enum Auth {

		/** The caller's tenant when Spring Security is present, otherwise the API key. */
		AUTO,

		/**
		 * The caller's tenant (its token's tenant-claim or its TENANT_ authority, never request
		 * input) must be the tenant of the path or body, unless the caller holds the admin
		 * authority (metering.admin.web.authority).
		 */
		PRINCIPAL,

		/** Every call must carry the configured API key; the key may act for any tenant. */
		API_KEY,

		/** No check: for local development only (the sample app's local mode). */
		LOCAL

	}

}
