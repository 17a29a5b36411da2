package dev.metering.internal.sql;

import java.util.regex.Pattern;

/**
 * The kit's table names under a prefix: the names every statement of this package is built
 * from. The prefix is checked here too, so no statement is ever built from an unchecked one.
 * @param prefix the table prefix ({@code metering.jdbc.table-prefix}), optionally schema-qualified
 */
public record TableNames(String prefix) {

	private static final Pattern SAFE_PREFIX = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*");

	/** What a statement written for any prefix puts where the prefix goes. */
	public static final String PREFIX_PLACEHOLDER = "%PREFIX%";

	/**
	 * Checks a prefix.
	 * @param prefix the prefix
	 * @throws IllegalArgumentException unless it is letters, digits and '_', optionally {@code schema.} first
	 */
	public TableNames {
		checkPrefix(prefix);
	}

	/**
	 * Checks a table prefix: letters, digits and '_', optionally {@code schema.} first.
	 * @param prefix the prefix
	 * @throws IllegalArgumentException when it is anything else
	 */
	public static void checkPrefix(String prefix) {
		if (prefix == null || !SAFE_PREFIX.matcher(prefix).matches()) {
			throw new IllegalArgumentException("metering.jdbc.table-prefix must be letters, digits and '_' "
					+ "(optionally 'schema.' first), was '" + prefix + "'");
		}
	}

	/**
	 * A statement written with {@link #PREFIX_PLACEHOLDER}, for this prefix.
	 * @param sql the statement
	 * @return the statement with the prefix in place
	 */
	public String resolve(String sql) {
		return sql.replace(PREFIX_PLACEHOLDER, this.prefix);
	}

	/** @return the append-only usage ledger */
	public String usageEvent() {
		return this.prefix + "usage_event";
	}

	/** @return sums of ledger batches by rollup key, for the rollup to fold (PostgreSQL) */
	public String usageEventSum() {
		return this.prefix + "usage_event_sum";
	}

	/**
	 * @return the defined meters' aggregates of ledger batches, for their fold to read instead of
	 * the rows (PostgreSQL)
	 */
	public String meterBatch() {
		return this.prefix + "meter_batch";
	}

	/** @return the hourly rollups of the ledger */
	public String usageRollup() {
		return this.prefix + "usage_rollup";
	}

	/** @return the hourly usage per user */
	public String usageUserRollup() {
		return this.prefix + "usage_user_rollup";
	}

	/** @return the daily usage per user (top users over whole days) */
	public String usageUserDay() {
		return this.prefix + "usage_user_day";
	}

	/** @return the finalized invoices */
	public String invoice() {
		return this.prefix + "invoice";
	}

	/** @return the last invoice number of each issuer */
	public String invoiceSequence() {
		return this.prefix + "invoice_sequence";
	}

	/** @return the hourly rollups of defined meters, per group */
	public String meterRollup() {
		return this.prefix + "meter_rollup";
	}

	/** @return the groups of each tenant's meter per month (max-groups) */
	public String meterGroup() {
		return this.prefix + "meter_group";
	}

	/** @return the distinct values of unique-count meters per month */
	public String meterDistinct() {
		return this.prefix + "meter_distinct";
	}

	/** @return the admin API's meter definitions */
	public String meterDefinition() {
		return this.prefix + "meter_definition";
	}

	/** @return the rollup's progress, one row per rollup */
	public String rollupState() {
		return this.prefix + "rollup_state";
	}

	/** @return ledger ids below the rollup's watermark that it has not seen yet */
	public String rollupGap() {
		return this.prefix + "rollup_gap";
	}

	/** @return how much of each hard limit's window is leased to instances */
	public String quotaAllocation() {
		return this.prefix + "quota_allocation";
	}

	/** @return the live leases, one row per instance and window */
	public String quotaLease() {
		return this.prefix + "quota_lease";
	}

	/** @return the positions of cold shares, each held by at most one live instance */
	public String quotaPosition() {
		return this.prefix + "quota_position";
	}

	/** @return the windows of quotas admitted per event in the database (unique-count, filtered) */
	public String quotaAdmission() {
		return this.prefix + "quota_admission";
	}

	/** @return the distinct values a unique-count quota's window has admitted */
	public String quotaDistinct() {
		return this.prefix + "quota_distinct";
	}

	/** @return runtime plans */
	public String plan() {
		return this.prefix + "plan";
	}

	/** @return runtime plan quotas */
	public String planQuota() {
		return this.prefix + "plan_quota";
	}

	/** @return runtime tenant rows */
	public String tenant() {
		return this.prefix + "tenant";
	}

	/** @return runtime tenants' plan assignments with their effective instants */
	public String tenantPlan() {
		return this.prefix + "tenant_plan";
	}

	/** @return runtime per-tenant quotas */
	public String tenantQuota() {
		return this.prefix + "tenant_quota";
	}

	/** @return the audit trail of runtime changes */
	public String quotaAudit() {
		return this.prefix + "quota_audit";
	}

	/** @return the row every tenant change locks first */
	public String tenantHierarchy() {
		return this.prefix + "tenant_hierarchy";
	}

	/** @return notifications and their webhook deliveries (the outbox) */
	public String webhookOutbox() {
		return this.prefix + "webhook_outbox";
	}

	/** @return runtime feature values of plans and tenants */
	public String feature() {
		return this.prefix + "feature";
	}

	/** @return grants (prepaid credits) of tenants */
	public String grant() {
		return this.prefix + "grant";
	}

	/** @return webhook endpoints registered through the admin API */
	public String webhookEndpoint() {
		return this.prefix + "webhook_endpoint";
	}

}
