package dev.metering.admin;

import java.util.Optional;
import java.util.function.Supplier;

import dev.metering.tenant.InvalidTenantHierarchyException;
import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantHierarchyEditor;

import org.jspecify.annotations.Nullable;

/**
 * The tenant hierarchy editor of the runtime definitions: a change is a tenant row of the tenant
 * table ({@code metering_tenant}), which wins over {@code metering.tenants}. It is validated
 * against the whole effective hierarchy under the hierarchy's lock, written with its audit entry
 * in one transaction, and then invalidates the lineages on this instance at once and on the others
 * through the invalidation bus. A change that would break the hierarchy throws
 * {@link InvalidTenantHierarchyException} naming the tenant and writes nothing.
 * <ul>
 * <li>{@link #define} writes the tenant's whole definition: its parent and payer explicitly (none
 * means a root paying for itself, whatever the configuration says), its plan only when the
 * definition has one.</li>
 * <li>{@link #reparent} sets only the row's parent; the rest stays as the row or the configuration
 * says.</li>
 * <li>{@link #remove} deletes the tenant's row: a tenant of {@code metering.tenants} is then as
 * configured again; it returns {@code false} when the tenant has no row.</li>
 * </ul>
 */
public class JdbcTenantHierarchyEditor implements TenantHierarchyEditor {

	private final TenantHierarchyChanges changes;

	private final Supplier<String> actor;

	/**
	 * Creates the editor.
	 * @param admin the admin API whose tables and transactions it writes
	 * @param actor who changes the hierarchy, for the audit trail (e.g. the authenticated principal)
	 */
	public JdbcTenantHierarchyEditor(MeteringAdmin admin, Supplier<String> actor) {
		this.changes = admin.tenantChanges();
		this.actor = actor;
	}

	@Override
	public void define(TenantDefinition definition) {
		this.changes.change(this.actor.get(), "define-tenant", definition.tenantId(),
				(row, current) -> Optional.of(TenantRow.of(definition)), false);
	}

	@Override
	public void reparent(String tenantId, @Nullable String parentId) {
		this.changes.change(this.actor.get(), "reparent-tenant", tenantId, (row, current) -> {
			if (current == null) {
				throw new InvalidTenantHierarchyException(tenantId, "tenant-id", tenantId, "no such tenant");
			}
			return Optional.of(row.orElse(TenantRow.empty(tenantId)).withParent(parentId));
		}, false);
	}

	@Override
	public boolean remove(String tenantId) {
		return this.changes.change(this.actor.get(), "remove-tenant", tenantId, (row, current) -> Optional.empty(),
				false);
	}

	@Override
	public Optional<TenantDefinition> definitionOf(String tenantId) {
		return this.changes.definitionOf(tenantId);
	}

}
