package dev.metering.internal.sql;

/**
 * Every statement of the runtime definitions (plans, tenants, their quotas, the audit trail),
 * the same on every database; timestamps are bound with {@link LedgerDatabase#timestamp}.
 */
public final class DefinitionSql {

	private static final String QUOTA_COLUMNS = "meter, quota_window, quota_limit, enforcement, soft_threshold, "
			+ "filter_key, thresholds";

	public final String selectPlan;

	public final String selectPlans;

	public final String insertPlan;

	public final String updatePlan;

	public final String deletePlan;

	public final String selectPlanQuotas;

	public final String selectPlanQuota;

	public final String insertPlanQuota;

	public final String updatePlanQuota;

	public final String deletePlanQuota;

	public final String deletePlanQuotas;

	public final String countTenantsOnPlan;

	public final String selectTenant;

	public final String selectHierarchyTenants;

	public final String lockHierarchy;

	public final String insertHierarchyLock;

	/** Every tenant with a tenant row or a tenant quota row. */
	public final String selectTenantsWithRows;

	public final String insertTenant;

	public final String updateTenant;

	/** A tenant's plan assignments, oldest first. */
	public final String selectPlanHistory;

	public final String insertPlanHistory;

	public final String updatePlanHistory;

	/** Assignments after an instant: a backdated change replaces them. */
	public final String deletePlanHistoryAfter;

	public final String deletePlanHistory;

	public final String deleteTenant;

	public final String selectTenantQuotas;

	public final String selectTenantQuota;

	public final String insertTenantQuota;

	public final String updateTenantQuota;

	public final String deleteTenantQuota;

	public final String deleteTenantQuotas;

	public final String insertAudit;

	/** Whether any runtime quota has thresholds. */
	public final String countQuotasWithThresholds;

	public final String selectMeterDefinitions;

	public final String insertMeterDefinition;

	public final String updateMeterDefinition;

	public final String deleteMeterDefinition;

	public final String meterHasRollups;

	public final String meterHasUsage;

	public final String selectAudit;

	public final String rollupLag;

	public final String ledgerProbe;

	/**
	 * The statements for a set of tables.
	 * @param tables the table names
	 */
	private static String anyRowOfMeter(String table) {
		return "SELECT COUNT(*) FROM (SELECT 1 AS one FROM " + table + " WHERE meter = ? LIMIT 1) rows_of_meter";
	}

	public DefinitionSql(TableNames tables) {
		String plan = tables.plan();
		String planQuota = tables.planQuota();
		String tenant = tables.tenant();
		String tenantQuota = tables.tenantQuota();
		String audit = tables.quotaAudit();
		this.selectPlan = "SELECT description FROM " + plan + " WHERE name = ?";
		this.selectPlans = "SELECT name, description FROM " + plan + " ORDER BY name";
		this.insertPlan = "INSERT INTO " + plan + " (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)";
		this.updatePlan = "UPDATE " + plan + " SET description = ?, updated_at = ? WHERE name = ?";
		this.deletePlan = "DELETE FROM " + plan + " WHERE name = ?";
		this.selectPlanQuotas = "SELECT " + QUOTA_COLUMNS + " FROM " + planQuota + " WHERE plan = ? ORDER BY meter, filter_key, quota_window";
		this.selectPlanQuota = "SELECT " + QUOTA_COLUMNS + " FROM " + planQuota
				+ " WHERE plan = ? AND meter = ? AND filter_key = ? AND quota_window = ?";
		this.insertPlanQuota = "INSERT INTO " + planQuota + " (plan, " + QUOTA_COLUMNS
				+ ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
		this.updatePlanQuota = "UPDATE " + planQuota + " SET quota_limit = ?, enforcement = ?, soft_threshold = ?, "
				+ "thresholds = ?, updated_at = ? WHERE plan = ? AND meter = ? AND filter_key = ? AND quota_window = ?";
		this.deletePlanQuota = "DELETE FROM " + planQuota
				+ " WHERE plan = ? AND meter = ? AND filter_key = ? AND quota_window = ?";
		this.deletePlanQuotas = "DELETE FROM " + planQuota + " WHERE plan = ?";
		this.countTenantsOnPlan = "SELECT COUNT(*) FROM " + tenant + " WHERE plan = ?";
		String tenantColumns = "tenant_id, plan, exempt, parent_id, billing_attribution, exempt_descendants, "
				+ "time_zone, anchor_day";
		this.selectTenant = "SELECT " + tenantColumns + " FROM " + tenant + " WHERE tenant_id = ?";
		// The rows the tenant directory reads: a row that sets only the plan does not shape the hierarchy.
		this.selectHierarchyTenants = "SELECT " + tenantColumns + " FROM " + tenant + " WHERE parent_id IS NOT NULL "
				+ "OR billing_attribution IS NOT NULL OR exempt IS NOT NULL OR exempt_descendants IS NOT NULL "
				+ "OR time_zone IS NOT NULL OR anchor_day IS NOT NULL ORDER BY tenant_id";
		this.insertTenant = "INSERT INTO " + tenant + " (" + tenantColumns + ", created_at, updated_at) "
				+ "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
		this.selectTenantsWithRows = "SELECT tenant_id FROM " + tenant + " UNION SELECT tenant_id FROM " + tenantQuota;
		this.updateTenant = "UPDATE " + tenant + " SET plan = ?, exempt = ?, parent_id = ?, billing_attribution = ?, "
				+ "exempt_descendants = ?, time_zone = ?, anchor_day = ?, updated_at = ? WHERE tenant_id = ?";
		String tenantPlan = tables.tenantPlan();
		this.selectPlanHistory = "SELECT effective_from, plan FROM " + tenantPlan
				+ " WHERE tenant_id = ? ORDER BY effective_from";
		this.insertPlanHistory = "INSERT INTO " + tenantPlan + " (tenant_id, effective_from, plan, created_at) "
				+ "VALUES (?, ?, ?, ?)";
		this.updatePlanHistory = "UPDATE " + tenantPlan + " SET plan = ? WHERE tenant_id = ? AND effective_from = ?";
		this.deletePlanHistoryAfter = "DELETE FROM " + tenantPlan + " WHERE tenant_id = ? AND effective_from > ?";
		this.deletePlanHistory = "DELETE FROM " + tenantPlan + " WHERE tenant_id = ?";
		String hierarchy = tables.tenantHierarchy();
		// Taken first by every tenant change: changes are validated and written one after the other.
		this.lockHierarchy = "UPDATE " + hierarchy + " SET version = version + 1, updated_at = ? WHERE name = 'tenants'";
		this.insertHierarchyLock = "INSERT INTO " + hierarchy + " (name, version, updated_at) VALUES ('tenants', 0, ?)";
		this.deleteTenant = "DELETE FROM " + tenant + " WHERE tenant_id = ?";
		this.selectTenantQuotas = "SELECT " + QUOTA_COLUMNS + " FROM " + tenantQuota
				+ " WHERE tenant_id = ? ORDER BY meter, filter_key, quota_window";
		this.selectTenantQuota = "SELECT " + QUOTA_COLUMNS + " FROM " + tenantQuota
				+ " WHERE tenant_id = ? AND meter = ? AND filter_key = ? AND quota_window = ?";
		this.insertTenantQuota = "INSERT INTO " + tenantQuota + " (tenant_id, " + QUOTA_COLUMNS
				+ ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
		this.updateTenantQuota = "UPDATE " + tenantQuota + " SET quota_limit = ?, enforcement = ?, "
				+ "soft_threshold = ?, thresholds = ?, updated_at = ? WHERE tenant_id = ? AND meter = ? AND filter_key = ? "
				+ "AND quota_window = ?";
		this.deleteTenantQuota = "DELETE FROM " + tenantQuota
				+ " WHERE tenant_id = ? AND meter = ? AND filter_key = ? AND quota_window = ?";
		this.deleteTenantQuotas = "DELETE FROM " + tenantQuota + " WHERE tenant_id = ?";
		this.countQuotasWithThresholds = "SELECT (SELECT COUNT(*) FROM " + planQuota
				+ " WHERE thresholds IS NOT NULL) + (SELECT COUNT(*) FROM " + tenantQuota + " WHERE thresholds IS NOT NULL)";
		String meterDefinition = tables.meterDefinition();
		String meterColumns = "meter, aggregation, event_type, value_pointer, group_by, unit, description, max_groups";
		this.selectMeterDefinitions = "SELECT " + meterColumns + " FROM " + meterDefinition + " ORDER BY meter";
		this.insertMeterDefinition = "INSERT INTO " + meterDefinition + " (" + meterColumns
				+ ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
		this.updateMeterDefinition = "UPDATE " + meterDefinition + " SET aggregation = ?, event_type = ?, "
				+ "value_pointer = ?, group_by = ?, unit = ?, description = ?, max_groups = ?, updated_at = ? "
				+ "WHERE meter = ?";
		this.deleteMeterDefinition = "DELETE FROM " + meterDefinition + " WHERE meter = ?";
		this.meterHasRollups = anyRowOfMeter(tables.meterRollup());
		this.meterHasUsage = anyRowOfMeter(tables.usageRollup());
		this.insertAudit = "INSERT INTO " + audit + " (changed_at, actor, action, target, old_value, new_value) "
				+ "VALUES (?, ?, ?, ?, ?, ?)";
		this.selectAudit = "SELECT id, changed_at, actor, action, target, old_value, new_value FROM " + audit
				+ " WHERE target LIKE ? ORDER BY id DESC";
		// Ledger ids above the rollup's watermark: rows not folded yet (ids of rolled-back inserts count too).
		this.rollupLag = "SELECT COALESCE(MAX(id), 0) - COALESCE((SELECT MAX(watermark) FROM " + tables.rollupState()
				+ " WHERE name = ?), 0) FROM " + tables.usageEvent();
		this.ledgerProbe = "SELECT COUNT(*) FROM " + tables.usageEvent() + " WHERE 1 = 0";
	}

}
