package dev.metering.admin;

import org.jspecify.annotations.Nullable;

import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantDefinition;

/**
 * A tenant's row: what the database says about it. A {@code null} field leaves the configured
 * value (or the default plan) in force; an empty {@code parentId} or {@code billingAttribution}
 * says "none" (a root, paying for itself) whatever the configuration says.
 *
 * @param tenantId the tenant
 * @param plan its plan, or {@code null} for the configured one
 * @param exempt whether it is never limited, or {@code null} for the configured value
 * @param parentId its parent tenant (tenant hierarchies), {@code ""} for none, or {@code null}
 * @param billingAttribution who pays for its usage, {@code ""} for itself, or {@code null}
 * @param exemptDescendants whether every tenant below it is exempt, or {@code null}
 */
record TenantRow(String tenantId, @Nullable String plan, @Nullable Boolean exempt, @Nullable String parentId,
		@Nullable String billingAttribution, @Nullable Boolean exemptDescendants, @Nullable String timeZone,
		@Nullable Integer anchorDay) {

	TenantRow(String tenantId, @Nullable String plan, @Nullable Boolean exempt, @Nullable String parentId,
			@Nullable String billingAttribution, @Nullable Boolean exemptDescendants) {
		this(tenantId, plan, exempt, parentId, billingAttribution, exemptDescendants, null, null);
	}

	/** The value of {@code parent_id} and {@code billing_attribution} that says "none". */
	static final String NONE = "";

	/**
	 * The row that makes a tenant's definition exactly this one: parent and payer explicit, the
	 * plan as configured when the definition has none.
	 * @param definition the definition
	 * @return its row
	 */
	static TenantRow of(TenantDefinition definition) {
		return new TenantRow(definition.tenantId(), definition.plan(), definition.exempt(),
				(definition.parentId() != null) ? definition.parentId() : NONE,
				(definition.billingAttribution() != null) ? definition.billingAttribution() : NONE,
				definition.exemptDescendants(),
				(definition.calendar() != null) ? definition.calendar().zone().getId() : null,
				(definition.calendar() != null) ? definition.calendar().anchorDay() : null);
	}

	/**
	 * An empty row of a tenant: everything as configured.
	 * @param tenantId the tenant
	 * @return the row
	 */
	static TenantRow empty(String tenantId) {
		return new TenantRow(tenantId, null, null, null, null, null);
	}

	TenantRow withParent(@Nullable String parent) {
		return new TenantRow(this.tenantId, this.plan, this.exempt, (parent != null) ? parent : NONE,
				this.billingAttribution, this.exemptDescendants, this.timeZone, this.anchorDay);
	}

	/** Whether the row says anything about the hierarchy (the directory reads only these rows). */
	boolean shapesHierarchy() {
		return this.parentId != null || this.billingAttribution != null || this.exempt != null
				|| this.exemptDescendants != null || this.timeZone != null || this.anchorDay != null;
	}

	/** The calendar this row gives, over the configured one: a field it leaves {@code null} keeps the configured. */
	@Nullable BillingCalendar calendarOver(@Nullable BillingCalendar configured) {
		if (this.timeZone == null && this.anchorDay == null) {
			return configured;
		}
		String zone = (this.timeZone != null) ? this.timeZone
				: (configured != null) ? configured.zone().getId() : null;
		Integer anchor = (this.anchorDay != null) ? this.anchorDay : (configured != null) ? configured.anchorDay() : null;
		return BillingCalendar.parse(zone, anchor);
	}

	/**
	 * The tenant's definition: this row's fields over the configured ones.
	 * @param configured the configured definition, or {@code null}
	 * @return the definition
	 */
	TenantDefinition over(@Nullable TenantDefinition configured) {
		return new TenantDefinition(this.tenantId,
				field(this.parentId, (configured != null) ? configured.parentId() : null),
				field(this.billingAttribution, (configured != null) ? configured.billingAttribution() : null),
				(this.plan != null) ? this.plan : (configured != null) ? configured.plan() : null,
				(this.exempt != null) ? this.exempt : (configured != null) && configured.exempt(),
				(this.exemptDescendants != null) ? this.exemptDescendants
						: (configured != null) && configured.exemptDescendants(),
				calendarOver((configured != null) ? configured.calendar() : null));
	}

	private static @Nullable String field(@Nullable String row, @Nullable String configured) {
		if (row == null) {
			return configured;
		}
		return row.isEmpty() ? null : row;
	}

	/** The audit trail's text of this row. */
	String describe() {
		return "plan=" + this.plan + " exempt=" + this.exempt
				+ ((this.parentId != null) ? " parent=" + (this.parentId.isEmpty() ? "(none)" : this.parentId) : "")
				+ ((this.billingAttribution != null) ? " billing-attribution="
						+ (this.billingAttribution.isEmpty() ? "(itself)" : this.billingAttribution) : "")
				+ ((this.exemptDescendants != null) ? " exempt-descendants=" + this.exemptDescendants : "")
				+ ((this.timeZone != null) ? " time-zone=" + this.timeZone : "")
				+ ((this.anchorDay != null) ? " anchor-day=" + this.anchorDay : "");
	}

}
