package dev.metering.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import dev.metering.ledger.MeteringTables;

/**
 * All SQL of the runtime definitions, built once from the validated table prefix. The statements
 * are dialect-neutral; only timestamps differ: MySQL's {@code DATETIME(6)} holds a UTC
 * {@code LocalDateTime}, the others an {@code OffsetDateTime}.
 */
final class RuntimeDefinitionSql {

	private static final String QUOTA_COLUMNS = "meter, quota_window, quota_limit, enforcement, soft_threshold";

	final String selectPlan;

	final String selectPlans;

	final String insertPlan;

	final String updatePlan;

	final String deletePlan;

	final String selectPlanQuotas;

	final String selectPlanQuota;

	final String insertPlanQuota;

	final String updatePlanQuota;

	final String deletePlanQuota;

	final String deletePlanQuotas;

	final String countTenantsOnPlan;

	final String selectTenant;

	final String selectHierarchyTenants;

	final String lockHierarchy;

	final String insertHierarchyLock;

	/** Every tenant with a tenant row or a tenant quota row. */
	final String selectTenantsWithRows;

	final String insertTenant;

	final String updateTenant;

	final String deleteTenant;

	final String selectTenantQuotas;

	final String selectTenantQuota;

	final String insertTenantQuota;

	final String updateTenantQuota;

	final String deleteTenantQuota;

	final String deleteTenantQuotas;

	final String insertAudit;

	final String selectAudit;

	final String rollupLag;

	final String ledgerProbe;

	private final boolean localTimestamps;

	RuntimeDefinitionSql(MeteringTables tables, String platform) {
		String plan = tables.prefix() + "plan";
		String planQuota = tables.prefix() + "plan_quota";
		String tenant = tables.prefix() + "tenant";
		String tenantQuota = tables.prefix() + "tenant_quota";
		String audit = tables.prefix() + "quota_audit";
		this.selectPlan = "SELECT description FROM " + plan + " WHERE name = ?";
		this.selectPlans = "SELECT name, description FROM " + plan + " ORDER BY name";
		this.insertPlan = "INSERT INTO " + plan + " (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)";
		this.updatePlan = "UPDATE " + plan + " SET description = ?, updated_at = ? WHERE name = ?";
		this.deletePlan = "DELETE FROM " + plan + " WHERE name = ?";
		this.selectPlanQuotas = "SELECT " + QUOTA_COLUMNS + " FROM " + planQuota + " WHERE plan = ? ORDER BY meter, quota_window";
		this.selectPlanQuota = "SELECT " + QUOTA_COLUMNS + " FROM " + planQuota
				+ " WHERE plan = ? AND meter = ? AND quota_window = ?";
		this.insertPlanQuota = "INSERT INTO " + planQuota + " (plan, " + QUOTA_COLUMNS
				+ ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
		this.updatePlanQuota = "UPDATE " + planQuota + " SET quota_limit = ?, enforcement = ?, soft_threshold = ?, "
				+ "updated_at = ? WHERE plan = ? AND meter = ? AND quota_window = ?";
		this.deletePlanQuota = "DELETE FROM " + planQuota + " WHERE plan = ? AND meter = ? AND quota_window = ?";
		this.deletePlanQuotas = "DELETE FROM " + planQuota + " WHERE plan = ?";
		this.countTenantsOnPlan = "SELECT COUNT(*) FROM " + tenant + " WHERE plan = ?";
		String tenantColumns = "tenant_id, plan, exempt, parent_id, billing_attribution, exempt_descendants";
		this.selectTenant = "SELECT " + tenantColumns + " FROM " + tenant + " WHERE tenant_id = ?";
		// The rows the tenant directory reads: a row that sets only the plan does not shape the hierarchy.
		this.selectHierarchyTenants = "SELECT " + tenantColumns + " FROM " + tenant + " WHERE parent_id IS NOT NULL "
				+ "OR billing_attribution IS NOT NULL OR exempt IS NOT NULL OR exempt_descendants IS NOT NULL "
				+ "ORDER BY tenant_id";
		this.insertTenant = "INSERT INTO " + tenant + " (" + tenantColumns + ", created_at, updated_at) "
				+ "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
		this.selectTenantsWithRows = "SELECT tenant_id FROM " + tenant + " UNION SELECT tenant_id FROM " + tenantQuota;
		this.updateTenant = "UPDATE " + tenant + " SET plan = ?, exempt = ?, parent_id = ?, billing_attribution = ?, "
				+ "exempt_descendants = ?, updated_at = ? WHERE tenant_id = ?";
		String hierarchy = tables.prefix() + "tenant_hierarchy";
		// Taken first by every tenant change: changes are validated and written one after the other.
		this.lockHierarchy = "UPDATE " + hierarchy + " SET version = version + 1, updated_at = ? WHERE name = 'tenants'";
		this.insertHierarchyLock = "INSERT INTO " + hierarchy + " (name, version, updated_at) VALUES ('tenants', 0, ?)";
		this.deleteTenant = "DELETE FROM " + tenant + " WHERE tenant_id = ?";
		this.selectTenantQuotas = "SELECT " + QUOTA_COLUMNS + " FROM " + tenantQuota
				+ " WHERE tenant_id = ? ORDER BY meter, quota_window";
		this.selectTenantQuota = "SELECT " + QUOTA_COLUMNS + " FROM " + tenantQuota
				+ " WHERE tenant_id = ? AND meter = ? AND quota_window = ?";
		this.insertTenantQuota = "INSERT INTO " + tenantQuota + " (tenant_id, " + QUOTA_COLUMNS
				+ ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
		this.updateTenantQuota = "UPDATE " + tenantQuota + " SET quota_limit = ?, enforcement = ?, "
				+ "soft_threshold = ?, updated_at = ? WHERE tenant_id = ? AND meter = ? AND quota_window = ?";
		this.deleteTenantQuota = "DELETE FROM " + tenantQuota + " WHERE tenant_id = ? AND meter = ? AND quota_window = ?";
		this.deleteTenantQuotas = "DELETE FROM " + tenantQuota + " WHERE tenant_id = ?";
		this.insertAudit = "INSERT INTO " + audit + " (changed_at, actor, action, target, old_value, new_value) "
				+ "VALUES (?, ?, ?, ?, ?, ?)";
		this.selectAudit = "SELECT id, changed_at, actor, action, target, old_value, new_value FROM " + audit
				+ " WHERE target LIKE ? ORDER BY id DESC";
		// Ledger ids above the rollup's watermark: rows not folded yet (ids of rolled-back inserts count too).
		this.rollupLag = "SELECT COALESCE(MAX(id), 0) - COALESCE((SELECT MAX(watermark) FROM " + tables.rollupState()
				+ " WHERE name = ?), 0) FROM " + tables.usageEvent();
		this.ledgerProbe = "SELECT COUNT(*) FROM " + tables.usageEvent() + " WHERE 1 = 0";
		this.localTimestamps = "mysql".equals(platform);
	}

	Object timestamp(Instant instant) {
		return this.localTimestamps ? LocalDateTime.ofInstant(instant, ZoneOffset.UTC)
				: OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

	Instant readTimestamp(ResultSet rs, int column) throws SQLException {
		return this.localTimestamps ? rs.getObject(column, LocalDateTime.class).toInstant(ZoneOffset.UTC)
				: rs.getObject(column, OffsetDateTime.class).toInstant();
	}

}
