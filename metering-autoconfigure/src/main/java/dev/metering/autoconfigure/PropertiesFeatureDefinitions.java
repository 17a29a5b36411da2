package dev.metering.autoconfigure;

import java.util.Map;

import dev.metering.entitlement.FeatureDefinitions;

/**
 * Features as {@code metering.plans.<plan>.features} and {@code metering.tenants.<tenant>.features}
 * give them.
 */
final class PropertiesFeatureDefinitions implements FeatureDefinitions {

	private final MeteringQuotaProperties properties;

	PropertiesFeatureDefinitions(MeteringQuotaProperties properties) {
		this.properties = properties;
	}

	@Override
	public Map<String, String> planFeatures(String plan) {
		MeteringQuotaProperties.Plan configured = this.properties.getPlans().get(plan);
		return (configured != null) ? Map.copyOf(configured.getFeatures()) : Map.of();
	}

	@Override
	public Map<String, String> tenantFeatures(String tenant) {
		MeteringQuotaProperties.Tenant configured = this.properties.getTenants().get(tenant);
		return (configured != null) ? Map.copyOf(configured.getFeatures()) : Map.of();
	}

}
