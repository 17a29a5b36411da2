package dev.metering.tenant;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Where the tenant directory reads tenant rows from: the configuration ({@code metering.tenants},
 * {@link InMemoryTenantDefinitions}) or a tenant table. The directory caches what it reads, so a
 * source is not asked on a warm request.
 */
public interface TenantDefinitionSource {

	/**
	 * One tenant's definition.
	 * @param tenantId the tenant
	 * @return its definition, or {@code null} when the tenant is not defined (it is then a root
	 * that pays for itself)
	 */
	@Nullable TenantDefinition find(String tenantId);

	/**
	 * Every defined tenant, for validation and listings.
	 * @return the definitions
	 */
	Collection<TenantDefinition> all();

	/**
	 * Rows of one source over defaults of another: for the same tenant, the row wins (a tenant
	 * table over the {@code metering.tenants} configuration).
	 * @param rows the source that wins
	 * @param defaults the source of defaults
	 * @return the combined source
	 */
	static TenantDefinitionSource overlay(TenantDefinitionSource rows, TenantDefinitionSource defaults) {
		return new TenantDefinitionSource() {

			@Override
			public @Nullable TenantDefinition find(String tenantId) {
				TenantDefinition row = rows.find(tenantId);
				return (row != null) ? row : defaults.find(tenantId);
			}

			@Override
			public Collection<TenantDefinition> all() {
				Map<String, TenantDefinition> all = new LinkedHashMap<>();
				defaults.all().forEach((definition) -> all.put(definition.tenantId(), definition));
				rows.all().forEach((definition) -> all.put(definition.tenantId(), definition));
				return all.values();
			}

		};
	}

}
