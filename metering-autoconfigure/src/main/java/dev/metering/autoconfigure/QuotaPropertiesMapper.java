package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.metering.event.UsageEventValidator;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import org.jspecify.annotations.Nullable;

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
		return definitions(properties, MeterDefinitions.NONE);
	}

	/**
	 * The definitions, each quota also checked against its meter's definition: a filter names
	 * dimensions the meter groups by, and the meter's aggregation has a usage a limit can bound.
	 */
	static ConfiguredQuotaDefinitions definitions(MeteringQuotaProperties properties, MeterDefinitions meters) {
		Map<String, List<QuotaPolicy>> plans = new LinkedHashMap<>();
		properties.getPlans()
			.forEach((name, plan) -> plans.put(name,
					policies(name, "metering.plans." + name + ".quotas", plan.getQuotas(), meters)));
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
					policies(id, prefix + ".quotas", tenant.getQuotas(), meters), tenant.isExempt()));
		});
		return new ConfiguredQuotaDefinitions(plans, tenants, StringUtils.hasText(defaultPlan) ? defaultPlan : null);
	}

	private static List<QuotaPolicy> policies(String owner, String property,
			List<MeteringQuotaProperties.QuotaSpec> specs, MeterDefinitions meters) {
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
			Map<String, String> filter = spec.getFilter();
			checkMeasured(at, spec.getMeter(), filter, meters.find(spec.getMeter()));
			if (!seen.add(spec.getMeter() + "/" + window + "/" + QuotaPolicy.filterKey(filter))) {
				throw new InvalidQuotaConfigurationException(at, spec.getMeter() + " per " + window.id()
						+ (filter.isEmpty() ? "" : " of " + QuotaPolicy.filterKey(filter)),
						"a second quota of the same meter, filter and window; keep one");
			}
			String name = QuotaPolicy.nameOf(owner, spec.getMeter(), filter, window);
			policies.add(new QuotaPolicy(name, spec.getMeter(), limit, window, enforcement, threshold, filter));
		}
		return List.copyOf(policies);
	}

	/**
	 * Refuses a quota its meter cannot be limited by: one on a {@code min} or {@code latest}
	 * meter (neither has a usage that grows toward a limit), or a filter on a dimension the meter
	 * does not group by (its events would carry no such value).
	 */
	private static void checkMeasured(String at, String meter, Map<String, String> filter,
			@Nullable MeterDefinition definition) {
		Aggregation aggregation = (definition != null) ? definition.aggregation() : Aggregation.SUM;
		if (aggregation == Aggregation.MIN || aggregation == Aggregation.LATEST) {
			throw new InvalidQuotaConfigurationException(at + ".meter", meter,
					"the meter's aggregation is " + aggregation.configName() + ", which has no usage that grows"
							+ " toward a limit; a quota limits a sum, count, max or unique-count meter");
		}
		for (Map.Entry<String, String> entry : filter.entrySet()) {
			String property = at + ".filter." + entry.getKey();
			if (definition == null) {
				throw new InvalidQuotaConfigurationException(property, entry.getValue(), "meter '" + meter
						+ "' has no definition under metering.meters, so its events have no group values to filter on");
			}
			if (!definition.groupBy().containsKey(entry.getKey())) {
				throw new InvalidQuotaConfigurationException(property, entry.getValue(),
						"meter '" + meter + "' is not grouped by '" + entry.getKey() + "'"
								+ (definition.groupBy().isEmpty() ? " (it has no group-by)"
										: " (group-by: " + String.join(", ", definition.groupBy().keySet()) + ")"));
			}
			if (!StringUtils.hasText(entry.getValue())) {
				throw new InvalidQuotaConfigurationException(property, entry.getValue(),
						"the dimension's value to limit is required, e.g. gpt-4o");
			}
		}
	}

	private static String known(Map<String, ?> plans) {
		return plans.isEmpty() ? " (none is configured)" : " (known: " + String.join(", ", plans.keySet()) + ")";
	}

}
