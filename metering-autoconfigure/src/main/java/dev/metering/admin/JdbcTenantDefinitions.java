package dev.metering.admin;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantDefinitionSource;

/**
 * Tenant definitions of the tenant table over the configured ones: for a tenant with a row, each
 * field the row sets (plan, exempt, parent, billing attribution) wins, and a field it leaves
 * {@code null} keeps the configured value. The directory caches what this reads.
 */
public class JdbcTenantDefinitions implements TenantDefinitionSource {

	private final JdbcRuntimeDefinitions rows;

	private final TenantDefinitionSource defaults;

	/**
	 * Creates the definitions.
	 * @param rows the tenant table
	 * @param defaults the configured definitions ({@code metering.tenants})
	 */
	public JdbcTenantDefinitions(JdbcRuntimeDefinitions rows, TenantDefinitionSource defaults) {
		this.rows = rows;
		this.defaults = defaults;
	}

	@Override
	public @Nullable TenantDefinition find(String tenantId) {
		TenantDefinition configured = this.defaults.find(tenantId);
		Optional<TenantRow> row = this.rows.reads().tenant(tenantId);
		return row.isPresent() ? merge(row.get(), configured) : configured;
	}

	@Override
	public Collection<TenantDefinition> all() {
		Map<String, TenantDefinition> all = new LinkedHashMap<>();
		this.defaults.all().forEach((definition) -> all.put(definition.tenantId(), definition));
		for (TenantRow row : this.rows.tenantsWithParent()) {
			all.put(row.tenantId(), merge(row, all.get(row.tenantId())));
		}
		return all.values();
	}

	private static TenantDefinition merge(TenantRow row, @Nullable TenantDefinition configured) {
		return new TenantDefinition(row.tenantId(),
				(row.parentId() != null) ? row.parentId() : (configured != null) ? configured.parentId() : null,
				(row.billingAttribution() != null) ? row.billingAttribution()
						: (configured != null) ? configured.billingAttribution() : null,
				(row.plan() != null) ? row.plan() : (configured != null) ? configured.plan() : null,
				(row.exempt() != null) ? row.exempt() : (configured != null) && configured.exempt(),
				(configured != null) && configured.exemptDescendants());
	}

}
