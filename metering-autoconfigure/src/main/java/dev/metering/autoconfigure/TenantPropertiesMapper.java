package dev.metering.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.tenant.BillingCalendar;
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
					tenant.isExemptDescendants(), calendar(id, tenant.getBilling()))));
		return definitions;
	}

	/** A tenant's calendar, {@code null} when it sets neither zone nor anchor. */
	static @Nullable BillingCalendar calendar(String tenant, MeteringQuotaProperties.TenantBilling billing) {
		if (!StringUtils.hasText(billing.getTimeZone()) && billing.getAnchorDay() == null) {
			return null;
		}
		if (billing.getAnchorDay() != null && (billing.getAnchorDay() < 1 || billing.getAnchorDay() > 31)) {
			throw new InvalidQuotaConfigurationException("metering.tenants." + tenant + ".billing.anchor-day",
					billing.getAnchorDay(), "a day of the month, 1 to 31 (clamped to shorter months' last day)");
		}
		try {
			return BillingCalendar.parse(billing.getTimeZone(), billing.getAnchorDay());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidQuotaConfigurationException("metering.tenants." + tenant + ".billing.time-zone",
					billing.getTimeZone(), ex.getMessage());
		}
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
