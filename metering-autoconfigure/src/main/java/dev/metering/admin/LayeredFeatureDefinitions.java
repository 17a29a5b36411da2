package dev.metering.admin;

import java.util.HashMap;
import java.util.Map;

import dev.metering.entitlement.FeatureDefinitions;

/**
 * Feature values as the runtime definitions layer them: a row set through
 * {@link MeteringAdmin#putFeature} wins over the configured value of the same feature. The rows
 * are read from memory (every row at once, kept as the other definitions are); a change made on
 * any instance forgets them on every instance through the invalidation bus.
 */
public class LayeredFeatureDefinitions implements FeatureDefinitions {

	private final FeatureDefinitions configured;

	private final JdbcRuntimeDefinitions store;

	/**
	 * Creates the layered definitions.
	 * @param configured the configured values ({@code metering.plans.<plan>.features}, {@code metering.tenants.<tenant>.features})
	 * @param store the runtime definitions' tables
	 */
	public LayeredFeatureDefinitions(FeatureDefinitions configured, JdbcRuntimeDefinitions store) {
		this.configured = configured;
		this.store = store;
	}

	@Override
	public Map<String, String> planFeatures(String plan) {
		return layered(this.configured.planFeatures(plan), this.store.reads().features("plan", plan));
	}

	@Override
	public Map<String, String> tenantFeatures(String tenant) {
		return layered(this.configured.tenantFeatures(tenant), this.store.reads().features("tenant", tenant));
	}

	private static Map<String, String> layered(Map<String, String> configured, Map<String, String> rows) {
		if (rows.isEmpty()) {
			return configured;
		}
		Map<String, String> values = new HashMap<>(configured);
		values.putAll(rows);
		return Map.copyOf(values);
	}

}
