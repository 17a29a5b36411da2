package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.quota.Enforcement;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.QuotaWindow;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Quotas: plans, tenants, the default plan ({@code metering.plans}, {@code metering.tenants},
 * {@code metering.default-plan}), and enforcement ({@code metering.quota}); the caches are
 * {@link MeteringCacheProperties}.
 * <p>
 * Over 350 lines: plans and tenants (their quotas, thresholds and features) bind as one tree
 * under {@code metering}.
 */
@ConfigurationProperties("metering")
public class MeteringQuotaProperties {

	/**
	 * The plan of every tenant that names none in 'metering.tenants'. Unset: such tenants have
	 * no quotas (unlimited).
	 */
	private @Nullable String defaultPlan;

	/**
	 * Plans by name, each with its list of quotas.
	 */
	private Map<String, Plan> plans = new LinkedHashMap<>();

	/**
	 * Tenants by id: their plan, their own quotas (which replace the plan's quota of the same
	 * meter and window), exemption, parent and billing attribution.
	 */
	private Map<String, Tenant> tenants = new LinkedHashMap<>();

	private final Quota quota = new Quota();

	public @Nullable String getDefaultPlan() {
		return this.defaultPlan;
	}

	public void setDefaultPlan(@Nullable String defaultPlan) {
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

		/**
		 * The features of the plan by name: a boolean ('sso: true') or a static value ('seats:
		 * 20', 'support: priority'). A feature absent or 'false' is not entitled.
		 */
		private Map<String, String> features = new LinkedHashMap<>();

		/**
		 * The grant-backed meters of the plan: meter name to 'hard' (usage beyond the tenant's
		 * grants is refused with 429) or 'soft' (allowed as overage, billed as usage). A meter
		 * without a definition, or a sum.
		 */
		private Map<String, Enforcement> grantBacked = new LinkedHashMap<>();

		public List<QuotaSpec> getQuotas() {
			return this.quotas;
		}

		public void setQuotas(List<QuotaSpec> quotas) {
			this.quotas = quotas;
		}

		public Map<String, String> getFeatures() {
			return this.features;
		}

		public void setFeatures(Map<String, String> features) {
			this.features = features;
		}

		public Map<String, Enforcement> getGrantBacked() {
			return this.grantBacked;
		}

		public void setGrantBacked(Map<String, Enforcement> grantBacked) {
			this.grantBacked = grantBacked;
		}

	}

	/**
	 * One tenant's settings.
	 */
	public static class Tenant {

		/**
		 * The tenant's plan; 'metering.default-plan' when unset.
		 */
		private @Nullable String plan;

		/**
		 * The tenant's own quotas; each replaces the plan's quota of the same meter and window.
		 */
		private List<QuotaSpec> quotas = new ArrayList<>();

		/**
		 * Whether the tenant is exempt: its usage is recorded, but it is never blocked or warned.
		 * An exempt parent's own quotas are not enforced; its descendants stay limited unless
		 * 'exempt-descendants' is set.
		 */
		private boolean exempt;

		/**
		 * Whether every tenant below this one is exempt as well.
		 */
		private boolean exemptDescendants;

		/**
		 * The tenant's parent, a tenant under 'metering.tenants': its usage then counts against
		 * the quotas of every ancestor too. Unset: a root.
		 */
		private @Nullable String parent;

		/**
		 * Who pays for the tenant's usage: the billing scope its events are recorded with, the
		 * tenant's parent or any ancestor. Unset: the tenant pays itself.
		 */
		private @Nullable String billingAttribution;

		/**
		 * The tenant's own feature values; each replaces the plan's value of the same feature.
		 */
		private Map<String, String> features = new LinkedHashMap<>();

		public Map<String, String> getFeatures() {
			return this.features;
		}

		public void setFeatures(Map<String, String> features) {
			this.features = features;
		}

		public @Nullable String getPlan() {
			return this.plan;
		}

		public void setPlan(@Nullable String plan) {
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

		public boolean isExemptDescendants() {
			return this.exemptDescendants;
		}

		public void setExemptDescendants(boolean exemptDescendants) {
			this.exemptDescendants = exemptDescendants;
		}

		public @Nullable String getParent() {
			return this.parent;
		}

		public void setParent(@Nullable String parent) {
			this.parent = parent;
		}

		public @Nullable String getBillingAttribution() {
			return this.billingAttribution;
		}

		public void setBillingAttribution(@Nullable String billingAttribution) {
			this.billingAttribution = billingAttribution;
		}

		/**
		 * The tenant's billing calendar: its time zone and anchor day.
		 */
		private final TenantBilling billing = new TenantBilling();

		public TenantBilling getBilling() {
			return this.billing;
		}

	}

	/**
	 * A tenant's billing calendar: billing periods, daily and monthly quota windows and the usage
	 * API's day and month buckets follow it; the rollups stay hourly in UTC.
	 */
	public static class TenantBilling {

		/**
		 * The time zone days start in, e.g. 'Europe/Berlin'. Its offset must be whole hours
		 * (hourly rollups cannot be split): 'America/St_Johns' or 'Asia/Kathmandu' stop the
		 * start-up. Unset: the payer's zone, else UTC.
		 */
		private @Nullable String timeZone;

		/**
		 * The day of the month billing periods and monthly quota windows start on, 1 to 31;
		 * clamped to the last day of shorter months. Unset: 1 (calendar months).
		 */
		private @Nullable Integer anchorDay;

		public @Nullable String getTimeZone() {
			return this.timeZone;
		}

		public void setTimeZone(@Nullable String timeZone) {
			this.timeZone = timeZone;
		}

		public @Nullable Integer getAnchorDay() {
			return this.anchorDay;
		}

		public void setAnchorDay(@Nullable Integer anchorDay) {
			this.anchorDay = anchorDay;
		}

	}

	/**
	 * One quota: how much of a meter a tenant may use per window.
	 */
	public static class QuotaSpec {

		/**
		 * The meter the quota limits, e.g. 'http.requests'.
		 */
		private @Nullable String meter;

		/**
		 * The most of the meter a tenant may use in one window; not negative.
		 */
		private @Nullable BigDecimal limit;

		/**
		 * The window: calendar periods in UTC.
		 */
		private QuotaWindow window = QuotaWindow.MONTH;

		/**
		 * What happens over the limit: 'hard' (429 before the controller), 'soft' (proceeds,
		 * with a warning event) or 'monitor' (proceeds, observed in metrics and events only).
		 */
		private Enforcement enforcement = Enforcement.HARD;

		/**
		 * Optional fraction of the limit, in (0, 1], from which a warning event is published
		 * once per window.
		 */
		private @Nullable Double softThreshold;

		/**
		 * Optional dimension values the quota is limited to, e.g. 'model: gpt-4o': it counts
		 * and limits only the meter's events whose group values match all of them. Each
		 * dimension must be one the meter's definition groups by (metering.meters[i].group-by).
		 */
		private Map<String, String> filter = new LinkedHashMap<>();

		public Map<String, String> getFilter() {
			return this.filter;
		}

		public void setFilter(Map<String, String> filter) {
			this.filter = filter;
		}

		/**
		 * Usage levels at which a 'quota.threshold_reached' notification is emitted, once per
		 * window: percentages of the limit ('80%') or amounts ('800').
		 */
		private List<String> thresholds = new ArrayList<>();

		public List<String> getThresholds() {
			return this.thresholds;
		}

		public void setThresholds(List<String> thresholds) {
			this.thresholds = thresholds;
		}

		public @Nullable String getMeter() {
			return this.meter;
		}

		public void setMeter(@Nullable String meter) {
			this.meter = meter;
		}

		public @Nullable BigDecimal getLimit() {
			return this.limit;
		}

		public void setLimit(@Nullable BigDecimal limit) {
			this.limit = limit;
		}

		public QuotaWindow getWindow() {
			return this.window;
		}

		public void setWindow(QuotaWindow window) {
			this.window = window;
		}

		public Enforcement getEnforcement() {
			return this.enforcement;
		}

		public void setEnforcement(Enforcement enforcement) {
			this.enforcement = enforcement;
		}

		public @Nullable Double getSoftThreshold() {
			return this.softThreshold;
		}

		public void setSoftThreshold(@Nullable Double softThreshold) {
			this.softThreshold = softThreshold;
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
		 * database is down): 'allow' (fail open) or 'deny' (fail closed: 429).
		 */
		private OnUnknownUsage onUnknownUsage = OnUnknownUsage.ALLOW;

		/**
		 * Whether a request that fails (status 5xx or an exception) gives its quota back. It is
		 * then not recorded in the ledger either, so quota and bill agree.
		 */
		private boolean releaseOnFailure;

		/**
		 * Optional meter under which requests rejected by a quota are recorded (quantity 1).
		 * Unset: rejected requests are only counted in metrics.
		 */
		private @Nullable String rejectedMeter;

		/**
		 * The 'type' URI of the 429 problem response.
		 */
		private URI problemType = URI.create("https://metering.dev/problems/quota-exceeded");

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public OnUnknownUsage getOnUnknownUsage() {
			return this.onUnknownUsage;
		}

		public void setOnUnknownUsage(OnUnknownUsage onUnknownUsage) {
			this.onUnknownUsage = onUnknownUsage;
		}

		public boolean isReleaseOnFailure() {
			return this.releaseOnFailure;
		}

		public void setReleaseOnFailure(boolean releaseOnFailure) {
			this.releaseOnFailure = releaseOnFailure;
		}

		public @Nullable String getRejectedMeter() {
			return this.rejectedMeter;
		}

		public void setRejectedMeter(@Nullable String rejectedMeter) {
			this.rejectedMeter = rejectedMeter;
		}

		public URI getProblemType() {
			return this.problemType;
		}

		public void setProblemType(URI problemType) {
			this.problemType = problemType;
		}

	}

}
