package dev.metering.autoconfigure.endpoint;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.admin.EffectiveQuotas;
import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.admin.MeteringStatus;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/metering}: writer backlog, rollup lag and bus state;
 * {@code /actuator/metering/{tenant}}: the tenant's effective quotas with their origins, and
 * usage and remaining per policy (read without reserving anything).
 */
@Endpoint(id = "metering")
public class MeteringEndpoint {

	private final MeteringStatus status;

	private final LayeredQuotaDefinitions definitions;

	private final @Nullable QuotaEnforcementService quotas;

	private final Clock clock;

	/**
	 * Creates the endpoint.
	 * @param status the operational state
	 * @param definitions the effective definitions
	 * @param quotas the enforcement service, or {@code null} when quotas are off
	 * @param clock the clock of usage windows
	 */
	public MeteringEndpoint(MeteringStatus status, LayeredQuotaDefinitions definitions,
			@Nullable QuotaEnforcementService quotas, Clock clock) {
		this.status = status;
		this.definitions = definitions;
		this.quotas = quotas;
		this.clock = clock;
	}

	/**
	 * The kit's state.
	 * @return writer, rollup and bus sections
	 */
	@ReadOperation
	public Map<String, Object> metering() {
		return this.status.describe();
	}

	/**
	 * One tenant's quotas and usage.
	 * @param tenant the tenant id
	 * @return plan, exempt flag and policies, each with its origin, usage and remaining
	 */
	@ReadOperation
	public Map<String, Object> tenant(@Selector String tenant) {
		EffectiveQuotas effective = this.definitions.explain(tenant);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("tenant", tenant);
		body.put("plan", effective.plan());
		body.put("planOrigin", effective.planOrigin());
		body.put("exempt", effective.exempt());
		body.put("exemptOrigin", effective.exemptOrigin());
		body.put("quotas", effective.quotas().stream().map((quota) -> {
			Map<String, Object> policy = new LinkedHashMap<>();
			policy.put("name", quota.policy().name());
			policy.put("meter", quota.policy().meter());
			policy.put("window", quota.policy().window().id());
			policy.put("limit", quota.policy().limit());
			policy.put("enforcement", quota.policy().enforcement().id());
			policy.put("level", quota.level());
			policy.put("origin", quota.origin());
			PolicyUsage usage = usage(tenant, quota.policy().name(), quota.policy().meter(), effective.exempt());
			if (usage != null) {
				policy.put("used", usage.used());
				policy.put("remaining", usage.remaining());
				policy.put("reset", usage.reset().toString());
			}
			return policy;
		}).toList());
		return body;
	}

	private @Nullable PolicyUsage usage(String tenant, String policyName, String meter, boolean exempt) {
		if (this.quotas == null || exempt) {
			return null;
		}
		QuotaDecision decision = this.quotas.status(List.of(tenant), meter, this.clock.instant());
		return decision.policies()
			.stream()
			.filter((usage) -> usage.policy().name().equals(policyName))
			.findFirst()
			.orElse(null);
	}

}
