package dev.metering.tenant;

import org.jspecify.annotations.Nullable;

/**
 * A tenant definition that would break the hierarchy (a cycle, an unknown parent, a payer outside
 * the lineage, a lineage too deep, a removed parent): nothing was changed.
 */
public class InvalidTenantHierarchyException extends IllegalArgumentException {

	private final String tenantId;

	private final String field;

	private final @Nullable String value;

	private final String reason;

	/**
	 * Creates the exception.
	 * @param tenantId the tenant whose definition is wrong
	 * @param field the wrong field, as a property names it: {@code parent} or
	 * {@code billing-attribution}
	 * @param value the wrong value
	 * @param reason why it is wrong
	 */
	public InvalidTenantHierarchyException(String tenantId, String field, @Nullable String value, String reason) {
		super("Tenant '" + tenantId + "': " + field + "=" + value + ": " + reason);
		this.tenantId = tenantId;
		this.field = field;
		this.value = value;
		this.reason = reason;
	}

	public String getTenantId() {
		return this.tenantId;
	}

	public String getField() {
		return this.field;
	}

	public @Nullable String getValue() {
		return this.value;
	}

	public String getReason() {
		return this.reason;
	}

}
