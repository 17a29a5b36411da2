package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.metering.event.UsageEventValidator;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;

import org.springframework.util.StringUtils;

/**
 * Turns {@code metering.plans}, {@code metering.tenants} and {@code metering.default-plan} into
 * quota definitions, validating what binding cannot (meter names, limits, thresholds, plan
 * names, duplicates) and naming the property of the first wrong value.
 */
final class QuotaPropertiesMapper {

	private QuotaPropertiesMapper() {
	}

	static ConfiguredQuotaDefinitions definitions(MeteringQuotaProperties properties) {
		Map<String, List<QuotaPolicy>> plans = new LinkedHashMap<>();
		properties.getPlans()
			.forEach((name, plan) -> plans.put(name,
					policies(name, "metering.plans." + name + ".quotas", plan.getQuotas())));
		String defaultPlan = properties.getDefaultPlan();
		if (StringUtils.hasText(defaultPlan) && !plans.containsKey(defaultPlan)) {
			throw new InvalidQuotaConfigurationException("metering.default-plan", defaultPlan,
					"no such plan under metering.plans" + known(plans));
		}
		Map<String, ConfiguredQuotaDefinitions.TenantEntry> tenants = new LinkedHashMap<>();
		properties.getTenants().forEach((id, tenant) -> {
			String prefix = "metering.tenants." + id;
			if (StringUtils.hasText(tenant.getPlan()) && !plans.containsKey(tenant.getPlan())) {
				throw new InvalidQuotaConfigurationException(prefix + ".plan", tenant.getPlan(),
						"no such plan under metering.plans" + known(plans));
			}
			tenants.put(id, new ConfiguredQuotaDefinitions.TenantEntry(
					StringUtils.hasText(tenant.getPlan()) ? tenant.getPlan() : null,
					policies(id, prefix + ".quotas", tenant.getQuotas()), tenant.isExempt()));
		});
		return new ConfiguredQuotaDefinitions(plans, tenants, StringUtils.hasText(defaultPlan) ? defaultPlan : null);
	}

	private static List<QuotaPolicy> policies(String owner, String property,
			List<MeteringQuotaProperties.QuotaSpec> specs) {
		List<QuotaPolicy> policies = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < specs.size(); i++) {
			MeteringQuotaProperties.QuotaSpec spec = specs.get(i);
			String at = property + "[" + i + "]";
			if (!UsageEventValidator.isValidMeterName(spec.getMeter())) {
				throw new InvalidQuotaConfigurationException(at + ".meter", spec.getMeter(),
						"a meter name is required and must match [a-z0-9][a-z0-9._-]*");
			}
			BigDecimal limit = spec.getLimit();
			if (limit == null || limit.signum() < 0) {
				throw new InvalidQuotaConfigurationException(at + ".limit", limit,
						"a limit is required and must not be negative");
			}
			// Window and enforcement are enums: binding rejects any other value; only empty is left.
			QuotaWindow window = spec.getWindow();
			if (window == null) {
				throw new InvalidQuotaConfigurationException(at + ".window", null,
						InvalidQuotaConfigurationFailureAnalyzer.reasonFor(QuotaWindow.class));
			}
			Enforcement enforcement = spec.getEnforcement();
			if (enforcement == null) {
				throw new InvalidQuotaConfigurationException(at + ".enforcement", null,
						InvalidQuotaConfigurationFailureAnalyzer.reasonFor(Enforcement.class));
			}
			Double threshold = spec.getSoftThreshold();
			if (threshold != null && !(threshold > 0 && threshold <= 1)) {
				throw new InvalidQuotaConfigurationException(at + ".soft-threshold", threshold,
						"a fraction of the limit greater than 0 and at most 1, e.g. 0.8");
			}
			if (!seen.add(spec.getMeter() + "/" + window)) {
				throw new InvalidQuotaConfigurationException(at, spec.getMeter() + " per " + window.id(),
						"a second quota of the same meter and window; keep one");
			}
			String name = owner + "-" + spec.getMeter() + "-" + window.id();
			policies.add(new QuotaPolicy(name, spec.getMeter(), limit, window, enforcement, threshold));
		}
		return List.copyOf(policies);
	}

	private static String known(Map<String, ?> plans) {
		return plans.isEmpty() ? " (none is configured)" : " (known: " + String.join(", ", plans.keySet()) + ")";
	}

}
