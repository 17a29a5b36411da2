package dev.metering.autoconfigure;

import org.jspecify.annotations.Nullable;

import dev.metering.tenant.InvalidTenantHierarchyException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a tenant hierarchy in {@code metering.tenants} that cannot work (a cycle, an unknown
 * parent, a payer outside the lineage, too many levels), naming the property.
 */
class InvalidTenantHierarchyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidTenantHierarchyException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, InvalidTenantHierarchyException cause) {
		String property = "metering.tenants." + cause.getTenantId() + "." + cause.getField();
		String description = "Invalid tenant hierarchy:\n\n    Property: " + property + "\n    Value:    "
				+ cause.getValue() + "\n    Reason:   " + cause.getReason() + "\n";
		String action = "Update '" + property + "' in your application's configuration. A parent must be a tenant "
				+ "under metering.tenants, lineages have no cycle and at most metering.hierarchy.max-depth levels, "
				+ "and a tenant is billed to itself or an ancestor.";
		return new FailureAnalysis(description, action, cause);
	}

}
