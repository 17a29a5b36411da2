package dev.metering.entitlement;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.metering.billing.TenantPlans;

/**
 * Answers which features a tenant has: its plan's values with its own overrides on top. A
 * feature is entitled when it has a value other than {@code false} (so {@code seats: 20} and
 * {@code support: priority} are entitled, with their value to read).
 */
public class EntitlementService {

	private final TenantPlans plans;

	private final FeatureDefinitions definitions;

	private final URI problemType;

	/**
	 * Creates the service.
	 * @param plans each tenant's plan
	 * @param definitions the feature values
	 * @param problemType the type of the 403 problem
	 */
	public EntitlementService(TenantPlans plans, FeatureDefinitions definitions, URI problemType) {
		this.plans = plans;
		this.definitions = definitions;
		this.problemType = problemType;
	}

	/**
	 * A tenant's plan.
	 * @param tenant the tenant
	 * @return its plan, empty when it has none
	 */
	public Optional<String> planOf(String tenant) {
		return this.plans.planOf(tenant);
	}

	/**
	 * Every feature value of a tenant, entitled or not.
	 * @param tenant the tenant
	 * @return values by feature name: the plan's, replaced by the tenant's own
	 */
	public Map<String, String> featuresOf(String tenant) {
		Map<String, String> features = new LinkedHashMap<>();
		planOf(tenant).ifPresent((plan) -> features.putAll(this.definitions.planFeatures(plan)));
		features.putAll(this.definitions.tenantFeatures(tenant));
		return Collections.unmodifiableMap(features);
	}

	/**
	 * A feature's value for a tenant ({@code "true"}, {@code "20"}, {@code "priority"}).
	 * @param tenant the tenant
	 * @param feature the feature
	 * @return the value, empty when the feature is not defined for the tenant
	 */
	public Optional<String> valueOf(String tenant, String feature) {
		String own = this.definitions.tenantFeatures(tenant).get(feature);
		if (own != null) {
			return Optional.of(own);
		}
		return planOf(tenant).map((plan) -> this.definitions.planFeatures(plan).get(feature));
	}

	/**
	 * Whether a tenant is entitled to a feature.
	 * @param tenant the tenant
	 * @param feature the feature
	 * @return {@code true} when the feature has a value other than {@code false}
	 */
	public boolean isEntitled(String tenant, String feature) {
		return valueOf(tenant, feature).map(EntitlementService::entitles).orElse(false);
	}

	/**
	 * Throws unless a tenant is entitled to a feature.
	 * @param tenant the tenant, {@code null} when the call has none (always refused)
	 * @param feature the feature
	 * @throws FeatureNotEntitledException when not entitled
	 */
	public void requireEntitled(@Nullable String tenant, String feature) {
		if (tenant == null) {
			throw new FeatureNotEntitledException(null, feature, null, this.problemType);
		}
		if (!isEntitled(tenant, feature)) {
			throw new FeatureNotEntitledException(tenant, feature, planOf(tenant).orElse(null), this.problemType);
		}
	}

	/**
	 * Whether a value entitles: anything but {@code false} (any case) and the empty string.
	 * @param value a feature value
	 * @return {@code true} when it entitles
	 */
	public static boolean entitles(String value) {
		return !value.isBlank() && !"false".equalsIgnoreCase(value.trim());
	}

}
