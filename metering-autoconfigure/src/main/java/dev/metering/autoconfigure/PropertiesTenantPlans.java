package dev.metering.autoconfigure;

import java.util.Optional;

import dev.metering.billing.TenantPlans;

import org.springframework.util.StringUtils;

/**
 * Tenants' plans as {@code metering.tenants.<tenant>.plan} and {@code metering.default-plan}
 * give them: a tenant is known when it is configured or a default plan covers every tenant.
 * The only place billing reads the quota properties, so their shape can change here alone.
 */
final class PropertiesTenantPlans implements TenantPlans {

	private final MeteringQuotaProperties properties;

	PropertiesTenantPlans(MeteringQuotaProperties properties) {
		this.properties = properties;
	}

	@Override
	public Optional<String> planOf(String tenant) {
		MeteringQuotaProperties.Tenant configured = this.properties.getTenants().get(tenant);
		if (configured != null && StringUtils.hasText(configured.getPlan())) {
			return Optional.of(configured.getPlan());
		}
		return StringUtils.hasText(this.properties.getDefaultPlan()) ? Optional.of(this.properties.getDefaultPlan())
				: Optional.empty();
	}

	@Override
	public boolean isKnown(String tenant) {
		return this.properties.getTenants().containsKey(tenant) || StringUtils.hasText(this.properties.getDefaultPlan());
	}

}
