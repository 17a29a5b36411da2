package dev.metering.autoconfigure;

import java.util.List;

import dev.metering.billing.TenantPlans;
import dev.metering.notification.Threshold;
import dev.metering.notification.ThresholdSource;
import dev.metering.quota.QuotaPolicy;

/**
 * Thresholds as {@code metering.tenants.<tenant>.quotas[i].thresholds} (first) and
 * {@code metering.plans.<plan>.quotas[i].thresholds} give them, for the quota of the same meter
 * and window. Parsed at start-up, so a bad one fails then.
 */
final class PropertiesThresholdSource implements ThresholdSource {

	private final MeteringQuotaProperties properties;

	private final TenantPlans plans;

	PropertiesThresholdSource(MeteringQuotaProperties properties, TenantPlans plans) {
		this.properties = properties;
		this.plans = plans;
		this.properties.getPlans().values().forEach((plan) -> plan.getQuotas().forEach(PropertiesThresholdSource::parse));
		this.properties.getTenants().values().forEach((tenant) -> tenant.getQuotas().forEach(PropertiesThresholdSource::parse));
	}

	@Override
	public boolean any() {
		return this.properties.getPlans().values().stream().anyMatch((plan) -> hasAny(plan.getQuotas()))
				|| this.properties.getTenants().values().stream().anyMatch((tenant) -> hasAny(tenant.getQuotas()));
	}

	private static boolean hasAny(List<MeteringQuotaProperties.QuotaSpec> specs) {
		return specs.stream().anyMatch((spec) -> !spec.getThresholds().isEmpty());
	}

	@Override
	public List<Threshold> thresholdsOf(String tenant, QuotaPolicy policy) {
		List<Threshold> own = tenantThresholds(tenant, policy);
		return own.isEmpty() ? this.plans.planOf(tenant).map((plan) -> planThresholds(plan, policy)).orElse(List.of())
				: own;
	}

	/** The thresholds {@code metering.tenants.<tenant>} gives the quota, empty when none. */
	List<Threshold> tenantThresholds(String tenant, QuotaPolicy policy) {
		MeteringQuotaProperties.Tenant configured = this.properties.getTenants().get(tenant);
		return (configured != null) ? matching(configured.getQuotas(), policy) : List.of();
	}

	/** The thresholds {@code metering.plans.<plan>} gives the quota, empty when none. */
	List<Threshold> planThresholds(String plan, QuotaPolicy policy) {
		MeteringQuotaProperties.Plan configured = this.properties.getPlans().get(plan);
		return (configured != null) ? matching(configured.getQuotas(), policy) : List.of();
	}

	private static List<Threshold> matching(List<MeteringQuotaProperties.QuotaSpec> specs, QuotaPolicy policy) {
		return specs.stream()
			.filter((spec) -> policy.meter().equals(spec.getMeter()) && policy.window() == spec.getWindow())
			.findFirst()
			.map(PropertiesThresholdSource::parse)
			.orElse(List.of());
	}

	private static List<Threshold> parse(MeteringQuotaProperties.QuotaSpec spec) {
		try {
			return spec.getThresholds().stream().map(Threshold::parse).toList();
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("thresholds of the quota of meter '" + spec.getMeter() + "': "
					+ ex.getMessage(), ex);
		}
	}

}
