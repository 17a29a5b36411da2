package dev.metering.autoconfigure;

import java.util.List;
import java.util.Optional;

import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.billing.PlanAssignment;
import dev.metering.billing.TenantPlans;

/**
 * Tenants' plans as the runtime definitions layer them: a plan assigned through
 * {@code MeteringAdmin} (a {@code metering_tenant} row) wins over {@code metering.tenants} and
 * {@code metering.default-plan}, so a report prices with the plan quotas are enforced with.
 */
final class LayeredTenantPlans implements TenantPlans {

	private final LayeredQuotaDefinitions definitions;

	LayeredTenantPlans(LayeredQuotaDefinitions definitions) {
		this.definitions = definitions;
	}

	@Override
	public Optional<String> planOf(String tenant) {
		return this.definitions.planOf(tenant);
	}

	@Override
	public boolean isKnown(String tenant) {
		return this.definitions.isKnownTenant(tenant);
	}

	@Override
	public List<PlanAssignment> planHistory(String tenant) {
		return this.definitions.planHistory(tenant);
	}

}
