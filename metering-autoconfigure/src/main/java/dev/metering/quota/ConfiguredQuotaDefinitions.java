package dev.metering.quota;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Quota definitions of the configuration ({@code metering.plans}, {@code metering.tenants},
 * {@code metering.default-plan}): a tenant gets its plan's quotas (or the default plan's), and
 * its own quotas replace the plan's quota of the same meter, filter and window.
 */
public final class ConfiguredQuotaDefinitions implements QuotaDefinitionSource {

	private final Map<String, List<QuotaPolicy>> plans;

	private final Map<String, TenantEntry> tenants;

	private final @Nullable String defaultPlan;

	/**
	 * Creates the definitions; the arguments are already validated.
	 * @param plans quotas by plan name
	 * @param tenants tenant entries by tenant id
	 * @param defaultPlan the plan of tenants without one, or {@code null} for none
	 */
	public ConfiguredQuotaDefinitions(Map<String, List<QuotaPolicy>> plans, Map<String, TenantEntry> tenants,
			@Nullable String defaultPlan) {
		this.plans = Map.copyOf(plans);
		this.tenants = Map.copyOf(tenants);
		this.defaultPlan = defaultPlan;
	}

	@Override
	public TenantQuotas quotasOf(String scope) {
		TenantEntry tenant = this.tenants.get(scope);
		if (tenant != null && tenant.exempt()) {
			return TenantQuotas.unlimited(scope, true);
		}
		String plan = (tenant != null && tenant.plan() != null) ? tenant.plan() : this.defaultPlan;
		Map<String, List<QuotaPolicy>> byMeter = new LinkedHashMap<>();
		List<QuotaPolicy> own = (tenant != null) ? tenant.quotas() : List.of();
		for (QuotaPolicy policy : (plan != null) ? this.plans.getOrDefault(plan, List.of()) : List.<QuotaPolicy>of()) {
			boolean replaced = own.stream()
				.anyMatch((o) -> o.meter().equals(policy.meter()) && o.window() == policy.window()
						&& o.filter().equals(policy.filter()));
			if (!replaced) {
				byMeter.computeIfAbsent(policy.meter(), (m) -> new ArrayList<>()).add(policy);
			}
		}
		for (QuotaPolicy policy : own) {
			byMeter.computeIfAbsent(policy.meter(), (m) -> new ArrayList<>()).add(policy);
		}
		byMeter.replaceAll((meter, policies) -> List.copyOf(policies));
		return new TenantQuotas(scope, false, byMeter);
	}

	/**
	 * The configured quotas of a plan, for sources that layer other definitions over these.
	 * @param plan the plan name
	 * @return its quotas, or {@code null} when no such plan is configured
	 */
	public @Nullable List<QuotaPolicy> plan(String plan) {
		return this.plans.get(plan);
	}

	/**
	 * The configured entry of a tenant, for sources that layer other definitions over these.
	 * @param tenant the tenant id
	 * @return its entry, or {@code null} when it is not configured
	 */
	public @Nullable TenantEntry tenant(String tenant) {
		return this.tenants.get(tenant);
	}

	/**
	 * The configured default plan.
	 * @return the plan of tenants without one, or {@code null} for none
	 */
	public @Nullable String defaultPlan() {
		return this.defaultPlan;
	}

	/**
	 * One configured tenant.
	 *
	 * @param plan its plan, or {@code null} for the default plan
	 * @param quotas its own quotas
	 * @param exempt whether it is never limited
	 */
	public record TenantEntry(@Nullable String plan, List<QuotaPolicy> quotas, boolean exempt) {

		public TenantEntry {
			quotas = List.copyOf(quotas);
		}

	}

}
