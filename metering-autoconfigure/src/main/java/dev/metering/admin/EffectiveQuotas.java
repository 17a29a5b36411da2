package dev.metering.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.TenantQuotas;

import org.jspecify.annotations.Nullable;

/**
 * The quotas in force for a tenant, each value with where it came from.
 *
 * @param tenantId the tenant
 * @param plan its plan, or {@code null} for none
 * @param planOrigin where the plan came from
 * @param exempt whether it is never limited
 * @param exemptOrigin where the exempt flag came from
 * @param quotas the policies in force, with their origins
 */
public record EffectiveQuotas(String tenantId, @Nullable String plan, DefinitionOrigin planOrigin, boolean exempt,
		DefinitionOrigin exemptOrigin, List<ExplainedQuota> quotas) {

	public EffectiveQuotas {
		quotas = List.copyOf(quotas);
	}

	/**
	 * The definitions the enforcement service uses.
	 * @return the tenant's quotas
	 */
	public TenantQuotas toTenantQuotas() {
		if (this.exempt) {
			return TenantQuotas.unlimited(this.tenantId, true);
		}
		Map<String, List<QuotaPolicy>> byMeter = new LinkedHashMap<>();
		for (ExplainedQuota quota : this.quotas) {
			byMeter.computeIfAbsent(quota.policy().meter(), (m) -> new java.util.ArrayList<>()).add(quota.policy());
		}
		byMeter.replaceAll((meter, policies) -> List.copyOf(policies));
		return new TenantQuotas(this.tenantId, false, byMeter);
	}

	/**
	 * One policy in force.
	 *
	 * @param policy the policy
	 * @param level {@code plan} or {@code tenant}: which level defines it
	 * @param origin where it came from
	 */
	public record ExplainedQuota(QuotaPolicy policy, String level, DefinitionOrigin origin) {
	}

}
