package dev.metering.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * {@code GET /entitlements/{tenant}}: a tenant's features and its metered entitlements (each
 * quota with its current balance).
 *
 * @param tenantId the tenant
 * @param plan its plan, {@code null} when it has none
 * @param features each feature's value and whether it entitles
 * @param metered each metered meter's quotas in their current window
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record EntitlementsBody(String tenantId, @Nullable String plan, Map<String, FeatureBody> features,
		Map<String, List<PolicyBody>> metered) {

	/**
	 * One feature.
	 *
	 * @param value its value ({@code true}, {@code 20}, {@code priority})
	 * @param entitled whether it entitles ({@code @Entitled} passes)
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record FeatureBody(String value, boolean entitled) {
	}

}
