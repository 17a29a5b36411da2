package dev.metering.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.quota.QuotaDecision;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /quota/{tenant}/{metric}}: every quota of a tenant's metric.
 *
 * @param tenantId the tenant
 * @param metric the metric
 * @param allowed whether the next unit is allowed
 * @param usageKnown whether the ledger's usage could be read
 * @param policies each quota's current window
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record QuotaStatusBody(String tenantId, String metric, boolean allowed, boolean usageKnown, List<PolicyBody> policies) {

	static QuotaStatusBody of(String tenant, String metric, @Nullable QuotaDecision decision) {
		return new QuotaStatusBody(tenant, metric, decision == null || decision.allowed(),
				decision == null || decision.usageKnown(), (decision != null) ? PolicyBody.of(decision) : List.of());
	}

}
