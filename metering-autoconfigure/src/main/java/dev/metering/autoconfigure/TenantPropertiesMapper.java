package dev.metering.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantHierarchyRules;

import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

/**
 * Turns {@code metering.tenants} and {@code metering.hierarchy} into tenant definitions and the
 * rules they are validated against.
 */
final class TenantPropertiesMapper {

	private TenantPropertiesMapper() {
	}

	static List<TenantDefinition> definitions(MeteringQuotaProperties properties) {
		List<TenantDefinition> definitions = new ArrayList<>();
		properties.getTenants()
			.forEach((id, tenant) -> definitions.add(new TenantDefinition(id, textOrNull(tenant.getParent()),
					textOrNull(tenant.getBillingAttribution()), textOrNull(tenant.getPlan()), tenant.isExempt(),
					tenant.isExemptDescendants())));
		return definitions;
	}

	static TenantHierarchyRules rules(MeteringHierarchyProperties hierarchy) {
		if (hierarchy.getMaxDepth() < 1) {
			throw new InvalidQuotaConfigurationException("metering.hierarchy.max-depth",
					hierarchy.getMaxDepth(), "a lineage has at least one level (the tenant)");
		}
		return new TenantHierarchyRules(hierarchy.getMaxDepth(), hierarchy.isAllowBillingOutsideLineage());
	}

	private static @Nullable String textOrNull(@Nullable String value) {
		return StringUtils.hasText(value) ? value.trim() : null;
	}

}
