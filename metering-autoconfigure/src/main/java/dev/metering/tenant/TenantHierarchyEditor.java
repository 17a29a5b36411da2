package dev.metering.tenant;

import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * The Java API that changes the tenant hierarchy at runtime. A change is validated against the
 * whole hierarchy first: a cycle, an unknown parent, a payer outside the lineage or a lineage too
 * deep throws {@link InvalidTenantHierarchyException} naming the tenant, and changes nothing.
 * <p>
 * Only usage recorded after a change follows it: a re-parented tenant's past events keep the
 * billing scope they were recorded with.
 */
public interface TenantHierarchyEditor {

	/**
	 * Defines a tenant or replaces its definition.
	 * @param definition the tenant's definition
	 * @throws InvalidTenantHierarchyException when the hierarchy would become invalid
	 */
	void define(TenantDefinition definition);

	/**
	 * Moves a tenant under another parent, keeping the rest of its definition.
	 * @param tenantId the tenant
	 * @param parentId the new parent, or {@code null} to make it a root
	 * @throws InvalidTenantHierarchyException when the tenant is unknown or the hierarchy would
	 * become invalid
	 */
	void reparent(String tenantId, @Nullable String parentId);

	/**
	 * Removes a tenant without children.
	 * @param tenantId the tenant
	 * @return whether it was defined
	 * @throws InvalidTenantHierarchyException when it still has children
	 */
	boolean remove(String tenantId);

	/**
	 * A tenant's current definition.
	 * @param tenantId the tenant
	 * @return its definition, if defined
	 */
	Optional<TenantDefinition> definitionOf(String tenantId);

}
