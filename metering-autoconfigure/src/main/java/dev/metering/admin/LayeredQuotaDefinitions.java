package dev.metering.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.metering.admin.EffectiveQuotas.ExplainedQuota;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.ConfiguredQuotaDefinitions.TenantEntry;
import dev.metering.quota.QuotaDefinitionSource;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.quota.TenantQuotas;

import org.jspecify.annotations.Nullable;

/**
 * Quota definitions of the database layered over those of the configuration: a database row
 * for the same plan or tenant, meter and window wins; a tenant row's plan and exempt flag win
 * when set. As in the configuration, a tenant's own quota replaces its plan's quota of the same
 * meter and window. Every value's origin is kept ({@link #explain(String)}).
 */
public class LayeredQuotaDefinitions implements QuotaDefinitionSource {

	private final ConfiguredQuotaDefinitions configured;

	private final JdbcRuntimeDefinitions database;

	/**
	 * Creates the layered definitions.
	 * @param configured the definitions of {@code application.yml}
	 * @param database the runtime definitions' tables
	 */
	public LayeredQuotaDefinitions(ConfiguredQuotaDefinitions configured, JdbcRuntimeDefinitions database) {
		this.configured = configured;
		this.database = database;
	}

	@Override
	public TenantQuotas quotasOf(String scope) {
		return explain(scope).toTenantQuotas();
	}

	/**
	 * Whether a plan exists in the configuration or the database.
	 * @param plan the plan name
	 * @return {@code true} when it does
	 */
	public boolean planExists(String plan) {
		return this.configured.plan(plan) != null || this.database.hasPlan(plan);
	}

	/**
	 * A tenant's plan assignments with the instants they took effect, oldest first.
	 * @param tenantId the tenant
	 * @return its assignments, empty when its plan never changed at runtime
	 */
	public List<dev.metering.billing.PlanAssignment> planHistory(String tenantId) {
		return this.database.planHistory(tenantId);
	}

	/**
	 * Whether a plan is defined in the configuration.
	 * @param plan the plan name
	 * @return {@code true} when {@code metering.plans} has it
	 */
	public boolean isConfiguredPlan(String plan) {
		return this.configured.plan(plan) != null;
	}

	/**
	 * The plan in force for a tenant, without reading any quota: the database row's plan, else
	 * the configured tenant's, else the default plan.
	 * @param tenantId the tenant
	 * @return the plan name, empty when the tenant has none
	 */
	public Optional<String> planOf(String tenantId) {
		Optional<String> runtime = this.database.reads().tenant(tenantId).map(TenantRow::plan);
		if (runtime.isPresent()) {
			return runtime;
		}
		TenantEntry entry = this.configured.tenant(tenantId);
		return Optional.ofNullable((entry != null && entry.plan() != null) ? entry.plan() : this.configured.defaultPlan());
	}

	/**
	 * Whether a tenant is known: configured, covered by the default plan, or given a row in the
	 * database at runtime. Only the last needs a query.
	 * @param tenantId the tenant
	 * @return {@code true} when known
	 */
	public boolean isKnownTenant(String tenantId) {
		return this.configured.tenant(tenantId) != null || this.configured.defaultPlan() != null
				|| this.database.reads().tenant(tenantId).isPresent();
	}

	/**
	 * The quota rows the database gives a tenant (cached as enforcement reads them).
	 * @param tenantId the tenant
	 * @return its rows, empty when it has none
	 */
	public List<QuotaRow> runtimeTenantQuotas(String tenantId) {
		return this.database.reads().tenantQuotas(tenantId);
	}

	/**
	 * The quota rows the database gives a plan (cached as enforcement reads them).
	 * @param plan the plan
	 * @return its rows, empty when it has none
	 */
	public List<QuotaRow> runtimePlanQuotas(String plan) {
		return this.database.reads().planQuotas(plan);
	}

	/**
	 * Whether any quota row of the database has thresholds (cached for the definitions TTL, forgotten
	 * at once by a change published on the bus).
	 * @return {@code true} when one has
	 */
	public boolean anyRuntimeThresholds() {
		return this.database.reads().anyThresholds();
	}

	/**
	 * The effective quotas of a tenant, each with its origin.
	 * @param tenantId the tenant
	 * @return its quotas
	 */
	public EffectiveQuotas explain(String tenantId) {
		TenantEntry entry = this.configured.tenant(tenantId);
		TenantRow row = this.database.reads().tenant(tenantId).orElse(null);
		String plan;
		DefinitionOrigin planOrigin;
		if (row != null && row.plan() != null) {
			plan = row.plan();
			planOrigin = DefinitionOrigin.DATABASE;
		}
		else if (entry != null && entry.plan() != null) {
			plan = entry.plan();
			planOrigin = DefinitionOrigin.CONFIGURATION;
		}
		else {
			plan = this.configured.defaultPlan();
			planOrigin = (plan != null) ? DefinitionOrigin.DEFAULT_PLAN : DefinitionOrigin.NONE;
		}
		boolean exempt;
		DefinitionOrigin exemptOrigin;
		if (row != null && row.exempt() != null) {
			exempt = row.exempt();
			exemptOrigin = DefinitionOrigin.DATABASE;
		}
		else {
			exempt = entry != null && entry.exempt();
			exemptOrigin = exempt ? DefinitionOrigin.CONFIGURATION : DefinitionOrigin.NONE;
		}
		Map<String, ExplainedQuota> planQuotas = new LinkedHashMap<>();
		if (plan != null) {
			List<QuotaPolicy> configuredPlan = this.configured.plan(plan);
			put(planQuotas, (configuredPlan != null) ? configuredPlan : List.of(), "plan",
					DefinitionOrigin.CONFIGURATION);
			put(planQuotas, policies(plan, this.database.reads().planQuotas(plan)), "plan", DefinitionOrigin.DATABASE);
		}
		Map<String, ExplainedQuota> tenantQuotas = new LinkedHashMap<>();
		put(tenantQuotas, (entry != null) ? entry.quotas() : List.of(), "tenant", DefinitionOrigin.CONFIGURATION);
		put(tenantQuotas, policies(tenantId, this.database.reads().tenantQuotas(tenantId)), "tenant", DefinitionOrigin.DATABASE);
		planQuotas.putAll(tenantQuotas);
		return new EffectiveQuotas(tenantId, plan, planOrigin, exempt, exemptOrigin,
				new ArrayList<>(planQuotas.values()));
	}

	private static List<QuotaPolicy> policies(String owner, List<QuotaRow> rows) {
		return rows.stream().map((row) -> row.toPolicy(owner)).toList();
	}

	private static void put(Map<String, ExplainedQuota> quotas, List<QuotaPolicy> policies, String level,
			DefinitionOrigin origin) {
		for (QuotaPolicy policy : policies) {
			quotas.put(key(policy.meter(), policy.window()) + "/" + policy.filterKey(),
					new ExplainedQuota(policy, level, origin));
		}
	}

	static String key(String meter, @Nullable QuotaWindow window) {
		return meter + "/" + ((window != null) ? window.id() : "");
	}

}
