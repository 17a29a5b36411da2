package dev.metering.autoconfigure;

import java.util.Map;

import dev.metering.billing.TenantPlans;
import dev.metering.grant.GrantBackedMeters;
import dev.metering.quota.Enforcement;

/** The grant-backed meters of {@code metering.plans.<plan>.grant-backed}, by the tenant's plan. */
final class PropertiesGrantBackedMeters implements GrantBackedMeters {

	private final MeteringQuotaProperties properties;

	private final TenantPlans plans;

	PropertiesGrantBackedMeters(MeteringQuotaProperties properties, TenantPlans plans) {
		this.properties = properties;
		this.plans = plans;
		this.properties.getPlans().forEach((plan, settings) -> settings.getGrantBacked().forEach((meter, enforcement) -> {
			if (enforcement == Enforcement.MONITOR) {
				throw new IllegalArgumentException("metering.plans." + plan + ".grant-backed." + meter
						+ ": use hard (refused beyond the grants) or soft (overage), not monitor");
			}
			if (meter.length() > 126) {
				throw new IllegalArgumentException("metering.plans." + plan + ".grant-backed: meter names of at most "
						+ "126 characters");
			}
		}));
	}

	/** Whether any plan has a grant-backed meter. */
	static boolean any(MeteringQuotaProperties properties) {
		return properties.getPlans().values().stream().anyMatch((plan) -> !plan.getGrantBacked().isEmpty());
	}

	@Override
	public Map<String, Enforcement> of(String tenant) {
		return this.plans.planOf(tenant)
			.map((plan) -> this.properties.getPlans().get(plan))
			.map(MeteringQuotaProperties.Plan::getGrantBacked)
			.orElse(Map.of());
	}

}
