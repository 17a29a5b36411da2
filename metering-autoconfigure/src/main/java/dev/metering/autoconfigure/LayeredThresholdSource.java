package dev.metering.autoconfigure;

import java.util.List;
import java.util.Optional;

import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.admin.QuotaRow;
import dev.metering.notification.Threshold;
import dev.metering.notification.ThresholdSource;
import dev.metering.quota.QuotaPolicy;

/**
 * Thresholds of the runtime quotas layered over the configuration's, as the quotas themselves
 * are: at each level (the tenant's own quota first, then its plan's) a database row of the same
 * meter, window and filter wins over the configuration; the first level with thresholds gives
 * them. Rows are read through the runtime definitions' cache (forgotten at once by a change
 * published on the bus).
 */
final class LayeredThresholdSource implements ThresholdSource {

	private final PropertiesThresholdSource configured;

	private final LayeredQuotaDefinitions layered;

	LayeredThresholdSource(PropertiesThresholdSource configured, LayeredQuotaDefinitions layered) {
		this.configured = configured;
		this.layered = layered;
	}

	@Override
	public List<Threshold> thresholdsOf(String tenant, QuotaPolicy policy) {
		List<Threshold> own = matching(this.layered.runtimeTenantQuotas(tenant), policy)
			.orElseGet(() -> this.configured.tenantThresholds(tenant, policy));
		if (!own.isEmpty()) {
			return own;
		}
		return this.layered.planOf(tenant)
			.map((plan) -> matching(this.layered.runtimePlanQuotas(plan), policy)
				.orElseGet(() -> this.configured.planThresholds(plan, policy)))
			.orElse(List.of());
	}

	@Override
	public boolean any() {
		if (this.configured.any()) {
			return true;
		}
		try {
			return this.layered.anyRuntimeThresholds();
		}
		catch (RuntimeException ex) {
			// Not known: collect, the check reads again.
			return true;
		}
	}

	/** The thresholds of the row of the policy's meter, window and filter, when there is one. */
	private static Optional<List<Threshold>> matching(List<QuotaRow> rows, QuotaPolicy policy) {
		return rows.stream()
			.filter((row) -> row.meter().equals(policy.meter()) && row.window() == policy.window()
					&& row.filter().equals(policy.filter()))
			.findFirst()
			.map((row) -> row.thresholds().stream().map(Threshold::parse).toList());
	}

}
