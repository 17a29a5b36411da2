package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.OverflowPolicy;
import dev.metering.web.AnonymousPolicy;
import dev.metering.web.MeteringFilter;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.sql.init.DatabaseInitializationMode;

/**
 * Configuration of the metering kit, under {@code metering}.
 */
@ConfigurationProperties("metering")
public class MeteringProperties {

	/**
	 * Whether the metering kit is enabled. When false, nothing of the kit is configured.
	 */
	private boolean enabled = true;

	private final Jdbc jdbc = new Jdbc();

	private final Ledger ledger = new Ledger();

	private final Writer writer = new Writer();

	private final Web web = new Web();

	private final Rollup rollup = new Rollup();

	/**
	 * The plan of every tenant that names none in 'metering.tenants'. Unset: such tenants have
	 * no quotas (unlimited).
	 */
	private String defaultPlan;

	/**
	 * Plans by name, each with its list of quotas.
	 */
	private Map<String, Plan> plans = new LinkedHashMap<>();

	/**
	 * Tenants by id: their plan, their own quotas (which replace the plan's quota of the same
	 * meter and window), or exemption.
	 */
	private Map<String, Tenant> tenants = new LinkedHashMap<>();

	private final Cache cache = new Cache();

	private final Quota quota = new Quota();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Jdbc getJdbc() {
		return this.jdbc;
	}

	public Ledger getLedger() {
		return this.ledger;
	}

	public Writer getWriter() {
		return this.writer;
	}

	public Web getWeb() {
		return this.web;
	}

	public Rollup getRollup() {
		return this.rollup;
	}

	public String getDefaultPlan() {
		return this.defaultPlan;
	}

	public void setDefaultPlan(String defaultPlan) {
		this.defaultPlan = defaultPlan;
	}

	public Map<String, Plan> getPlans() {
		return this.plans;
	}

	public void setPlans(Map<String, Plan> plans) {
		this.plans = plans;
	}

	public Map<String, Tenant> getTenants() {
		return this.tenants;
	}

	public void setTenants(Map<String, Tenant> tenants) {
		this.tenants = tenants;
	}

	public Cache getCache() {
		return this.cache;
	}

	public Quota getQuota() {
		return this.quota;
	}

	/**
	 * A plan: the quotas every tenant on it gets.
	 */
	public static class Plan {

		/**
		 * The quotas of the plan; a meter without a quota is unlimited.
		 */
		private List<QuotaSpec> quotas = new ArrayList<>();

		public List<QuotaSpec> getQuotas() {
			return this.quotas;
		}

		public void setQuotas(List<QuotaSpec> quotas) {
			this.quotas = quotas;
		}

	}

	/**
	 * One tenant's settings.
	 */
	public static class Tenant {

		/**
		 * The tenant's plan; 'metering.default-plan' when unset.
		 */
		private String plan;

		/**
		 * The tenant's own quotas; each replaces the plan's quota of the same meter and window.
		 */
		private List<QuotaSpec> quotas = new ArrayList<>();

		/**
		 * Whether the tenant is exempt: its usage is recorded, but it is never blocked or warned.
		 */
		private boolean exempt;

		public String getPlan() {
			return this.plan;
		}

		public void setPlan(String plan) {
			this.plan = plan;
		}

		public List<QuotaSpec> getQuotas() {
			return this.quotas;
		}

		public void setQuotas(List<QuotaSpec> quotas) {
			this.quotas = quotas;
		}

		public boolean isExempt() {
			return this.exempt;
		}

		public void setExempt(boolean exempt) {
			this.exempt = exempt;
		}

	}

	/**
	 * One quota: how much of a meter a tenant may use per window.
	 */
	public static class QuotaSpec {

		/**
		 * The meter the quota limits, e.g. 'http.requests'.
		 */
		private String meter;

		/**
		 * The most of the meter a tenant may use in one window; not negative.
		 */
		private BigDecimal limit;

		/**
		 * The window: 'hour', 'day' or 'month', calendar periods in UTC.
		 */
		private String window = "month";

		/**
		 * What happens over the limit: 'hard' (429 before the controller), 'soft' (proceeds, with
		 * a warning event) or 'monitor' (proceeds, observed in metrics and events only).
		 */
		private String enforcement = "hard";

		/**
		 * Optional fraction of the limit, in (0, 1], from which a warning event is published
		 * once per window.
		 */
		private Double softThreshold;

		public String getMeter() {
			return this.meter;
		}

		public void setMeter(String meter) {
			this.meter = meter;
		}

		public BigDecimal getLimit() {
			return this.limit;
		}

		public void setLimit(BigDecimal limit) {
			this.limit = limit;
		}

		public String getWindow() {
			return this.window;
		}

		public void setWindow(String window) {
			this.window = window;
		}

		public String getEnforcement() {
			return this.enforcement;
		}

		public void setEnforcement(String enforcement) {
			this.enforcement = enforcement;
		}

		public Double getSoftThreshold() {
			return this.softThreshold;
		}

		public void setSoftThreshold(Double softThreshold) {
			this.softThreshold = softThreshold;
		}

	}

	/**
	 * The caches that keep quota enforcement off the database on the request path.
	 */
	public static class Cache {

		/**
		 * How long quota definitions are used before they are reloaded in the background.
		 */
		private Duration definitionsTtl = Duration.ofSeconds(30);

		/**
		 * How long a ledger usage reading is used before it is refreshed in the background.
		 * This instance's own usage is counted at once; the TTL bounds how late other instances'
		 * usage is seen.
		 */
		private Duration usageTtl = Duration.ofSeconds(15);

		/**
		 * The most usage readings (tenant, meter, window) kept in memory.
		 */
		private long maximumUsageEntries = 100_000;

		public Duration getDefinitionsTtl() {
			return this.definitionsTtl;
		}

		public void setDefinitionsTtl(Duration definitionsTtl) {
			this.definitionsTtl = definitionsTtl;
		}

		public Duration getUsageTtl() {
			return this.usageTtl;
		}

		public void setUsageTtl(Duration usageTtl) {
			this.usageTtl = usageTtl;
		}

		public long getMaximumUsageEntries() {
			return this.maximumUsageEntries;
		}

		public void setMaximumUsageEntries(long maximumUsageEntries) {
			this.maximumUsageEntries = maximumUsageEntries;
		}

	}

	/**
	 * Quota enforcement.
	 */
	public static class Quota {

		/**
		 * Whether quotas are enforced. When false, usage is still recorded.
		 */
		private boolean enabled = true;

		/**
		 * What a check does when the tenant's usage cannot be read (a cold cache while the
		 * database is down): 'allow' or 'deny'.
		 */
		private String onUnknownUsage = "allow";

		/**
		 * Whether a request that fails (status 5xx or an exception) gives its quota back. It is
		 * then not recorded in the ledger either, so quota and bill agree.
		 */
		private boolean releaseOnFailure = false;

		/**
		 * Optional meter under which requests rejected by a quota are recorded (quantity 1).
		 * Unset: rejected requests are only counted in metrics.
		 */
		private String rejectedMeter;

		/**
		 * The 'type' URI of the 429 problem response.
		 */
		private String problemType = "https://metering.dev/problems/quota-exceeded";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getOnUnknownUsage() {
			return this.onUnknownUsage;
		}

		public void setOnUnknownUsage(String onUnknownUsage) {
			this.onUnknownUsage = onUnknownUsage;
		}

		public boolean isReleaseOnFailure() {
			return this.releaseOnFailure;
		}

		public void setReleaseOnFailure(boolean releaseOnFailure) {
			this.releaseOnFailure = releaseOnFailure;
		}

		public String getRejectedMeter() {
			return this.rejectedMeter;
		}

		public void setRejectedMeter(String rejectedMeter) {
			this.rejectedMeter = rejectedMeter;
		}

		public String getProblemType() {
			return this.problemType;
		}

		public void setProblemType(String problemType) {
			this.problemType = problemType;
		}

	}

	/**
	 * Where and how the kit keeps its tables.
	 */
	public static class Jdbc {

		/**
		 * When to create the kit's tables: 'embedded' only for embedded databases such as H2,
		 * 'always', or 'never' (you run the scripts yourself).
		 */
		private DatabaseInitializationMode initializeSchema = DatabaseInitializationMode.EMBEDDED;

		/**
		 * Location of the SQL script that creates the tables; '@@platform@@' becomes
		 * postgresql, h2 or mysql.
		 */
		private String schema = MeteringSchemaInitializer.DEFAULT_SCHEMA_LOCATION;

		/**
		 * Prefix of every table and index name, optionally schema-qualified ('billing.metering_').
		 */
		private String tablePrefix = "metering_";

		/**
		 * Database platform (postgresql, h2, mysql or mariadb). Detected from the DataSource
		 * when not set.
		 */
		private String platform;

		public DatabaseInitializationMode getInitializeSchema() {
			return this.initializeSchema;
		}

		public void setInitializeSchema(DatabaseInitializationMode initializeSchema) {
			this.initializeSchema = initializeSchema;
		}

		public String getSchema() {
			return this.schema;
		}

		public void setSchema(String schema) {
			this.schema = schema;
		}

		public String getTablePrefix() {
			return this.tablePrefix;
		}

		public void setTablePrefix(String tablePrefix) {
			this.tablePrefix = tablePrefix;
		}

		public String getPlatform() {
			return this.platform;
		}

		public void setPlatform(String platform) {
			this.platform = platform;
		}

	}

	/**
	 * Rules for the events the ledger accepts.
	 */
	public static class Ledger {

		/**
		 * How old an event's occurred-at may be. Older events are rejected; rollups and bills
		 * of periods older than this are final.
		 */
		private Duration lateWindow = Duration.ofDays(35);

		/**
		 * The largest quantity of one event; larger ones are rejected as a likely bug.
		 */
		private BigDecimal maxQuantity = new BigDecimal("1000000000000");

		public Duration getLateWindow() {
			return this.lateWindow;
		}

		public void setLateWindow(Duration lateWindow) {
			this.lateWindow = lateWindow;
		}

		public BigDecimal getMaxQuantity() {
			return this.maxQuantity;
		}

		public void setMaxQuantity(BigDecimal maxQuantity) {
			this.maxQuantity = maxQuantity;
		}

	}

	/**
	 * The buffered writer that moves events from the request threads to the ledger.
	 */
	public static class Writer {

		/**
		 * How many events the in-memory buffer holds.
		 */
		private int capacity = 100_000;

		/**
		 * The most events written to the ledger in one transaction. Large batches mean fewer
		 * commits: 20,000 measured at 96% of PostgreSQL's own COPY rate (docs/BENCHMARKS.md).
		 */
		private int batchSize = 20_000;

		/**
		 * The longest an event waits for its batch to fill before it is written.
		 */
		private Duration flushInterval = Duration.ofMillis(100);

		/**
		 * What recording does when the buffer is full: 'block' (wait up to block-timeout,
		 * then drop) or 'drop' at once. Every drop is counted and logged.
		 */
		private OverflowPolicy overflow = OverflowPolicy.BLOCK;

		/**
		 * How long recording waits for buffer space under the 'block' overflow policy.
		 */
		private Duration blockTimeout = Duration.ofSeconds(1);

		/**
		 * How long closing the application waits for buffered events to be written.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(30);

		private final Retry retry = new Retry();

		public int getCapacity() {
			return this.capacity;
		}

		public void setCapacity(int capacity) {
			this.capacity = capacity;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public Duration getFlushInterval() {
			return this.flushInterval;
		}

		public void setFlushInterval(Duration flushInterval) {
			this.flushInterval = flushInterval;
		}

		public OverflowPolicy getOverflow() {
			return this.overflow;
		}

		public void setOverflow(OverflowPolicy overflow) {
			this.overflow = overflow;
		}

		public Duration getBlockTimeout() {
			return this.blockTimeout;
		}

		public void setBlockTimeout(Duration blockTimeout) {
			this.blockTimeout = blockTimeout;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

		public Retry getRetry() {
			return this.retry;
		}

		/**
		 * Retries of failed writes: every event is kept and retried until the database takes it.
		 */
		public static class Retry {

			/**
			 * The wait after the first failed write; it doubles with each failure.
			 */
			private Duration initialBackoff = Duration.ofMillis(100);

			/**
			 * The longest wait between two attempts.
			 */
			private Duration maxBackoff = Duration.ofSeconds(10);

			public Duration getInitialBackoff() {
				return this.initialBackoff;
			}

			public void setInitialBackoff(Duration initialBackoff) {
				this.initialBackoff = initialBackoff;
			}

			public Duration getMaxBackoff() {
				return this.maxBackoff;
			}

			public void setMaxBackoff(Duration maxBackoff) {
				this.maxBackoff = maxBackoff;
			}

		}

	}

	/**
	 * Metering of HTTP requests by the servlet filter.
	 */
	public static class Web {

		/**
		 * Whether every HTTP request is metered by the kit's servlet filter.
		 */
		private boolean enabled = true;

		/**
		 * The meter of one HTTP request (quantity 1).
		 */
		private String requestMeter = "http.requests";

		/**
		 * Path patterns of the requests to meter.
		 */
		private List<String> include = new ArrayList<>(List.of("/**"));

		/**
		 * Path patterns of requests never metered, even when included.
		 */
		private List<String> exclude = new ArrayList<>(List.of("/actuator/**", "/error"));

		/**
		 * Where the tenant of a request comes from: 'header' (tenant-header) or 'principal'
		 * (the authenticated principal's tenant-claim, or its name).
		 */
		private TenantSource tenantSource = TenantSource.HEADER;

		/**
		 * The request header naming the tenant, when tenant-source is 'header'.
		 */
		private String tenantHeader = "X-Tenant-Id";

		/**
		 * The token claim naming the tenant, when tenant-source is 'principal'.
		 */
		private String tenantClaim = "tenant";

		/**
		 * Order of the metering filter; the default runs it just after Spring Security's
		 * filter chain (-100), so the principal is known.
		 */
		private int filterOrder = MeteringFilter.DEFAULT_ORDER;

		private final Anonymous anonymous = new Anonymous();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getRequestMeter() {
			return this.requestMeter;
		}

		public void setRequestMeter(String requestMeter) {
			this.requestMeter = requestMeter;
		}

		public List<String> getInclude() {
			return this.include;
		}

		public void setInclude(List<String> include) {
			this.include = include;
		}

		public List<String> getExclude() {
			return this.exclude;
		}

		public void setExclude(List<String> exclude) {
			this.exclude = exclude;
		}

		public TenantSource getTenantSource() {
			return this.tenantSource;
		}

		public void setTenantSource(TenantSource tenantSource) {
			this.tenantSource = tenantSource;
		}

		public String getTenantHeader() {
			return this.tenantHeader;
		}

		public void setTenantHeader(String tenantHeader) {
			this.tenantHeader = tenantHeader;
		}

		public String getTenantClaim() {
			return this.tenantClaim;
		}

		public void setTenantClaim(String tenantClaim) {
			this.tenantClaim = tenantClaim;
		}

		public int getFilterOrder() {
			return this.filterOrder;
		}

		public void setFilterOrder(int filterOrder) {
			this.filterOrder = filterOrder;
		}

		public Anonymous getAnonymous() {
			return this.anonymous;
		}

		/**
		 * Requests without a tenant.
		 */
		public static class Anonymous {

			/**
			 * What to do with a request that has no tenant: 'skip' it, or 'record' it under
			 * the anonymous tenant id.
			 */
			private AnonymousPolicy policy = AnonymousPolicy.SKIP;

			/**
			 * The tenant id anonymous requests are recorded under, when policy is 'record'.
			 */
			private String tenant = "anonymous";

			public AnonymousPolicy getPolicy() {
				return this.policy;
			}

			public void setPolicy(AnonymousPolicy policy) {
				this.policy = policy;
			}

			public String getTenant() {
				return this.tenant;
			}

			public void setTenant(String tenant) {
				this.tenant = tenant;
			}

		}

	}

	/**
	 * Hourly rollups: the projection of the ledger that quotas and bills read.
	 */
	public static class Rollup {

		/**
		 * Whether the rollup job runs every interval. When false, rollups are folded only by
		 * calling RollupJob.rollupNow() (or by another instance); usage reads stay exact.
		 */
		private boolean enabled = true;

		/**
		 * The wait between the end of one rollup run and the start of the next.
		 */
		private Duration interval = Duration.ofSeconds(60);

		/**
		 * The wait after start-up before the first rollup run.
		 */
		private Duration initialDelay = Duration.ofSeconds(10);

		/**
		 * The most new ledger rows folded in one transaction; a run loops until it has caught up.
		 * Larger batches sum more events into each rollup row before writing it.
		 */
		private int batchSize = 50_000;

		/**
		 * How long a ledger id missing below the rollup's watermark (its transaction had not
		 * committed when the rollup passed it) is waited for before it is taken as rolled back.
		 * A ledger transaction that stays open longer than this is not counted in rollups.
		 */
		private Duration gapTimeout = Duration.ofMinutes(10);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public Duration getGapTimeout() {
			return this.gapTimeout;
		}

		public void setGapTimeout(Duration gapTimeout) {
			this.gapTimeout = gapTimeout;
		}

	}

	/**
	 * Where the tenant of a request comes from.
	 */
	public enum TenantSource {

		/** A request header. */
		HEADER,

		/** The authenticated principal. */
		PRINCIPAL

	}

}
