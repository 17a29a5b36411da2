package dev.metering.tenant;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

/**
 * Tenant definitions held in memory, starting from the configuration ({@code metering.tenants})
 * and changed through the {@link TenantHierarchyEditor} API. Every change is validated against the
 * whole hierarchy before it replaces the current definitions in one step; listeners (the
 * directory's cache) hear of it afterwards. Changes are not persisted: a restart starts from the
 * configuration again.
 */
public class InMemoryTenantDefinitions implements TenantDefinitionSource, TenantHierarchyEditor {

	private final TenantHierarchyRules rules;

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private volatile Map<String, TenantDefinition> definitions;

	/**
	 * Creates the definitions.
	 * @param initial the configured tenants
	 * @param rules what the hierarchy allows
	 * @throws InvalidTenantHierarchyException naming the first tenant whose definition is wrong
	 */
	public InMemoryTenantDefinitions(Collection<TenantDefinition> initial, TenantHierarchyRules rules) {
		Map<String, TenantDefinition> byId = TenantHierarchy.byId(initial);
		TenantHierarchy.validate(byId, rules);
		this.definitions = Collections.unmodifiableMap(byId);
		this.rules = rules;
	}

	/**
	 * Runs a callback after every change.
	 * @param listener the callback
	 */
	public void onChange(Runnable listener) {
		this.listeners.add(listener);
	}

	@Override
	public @Nullable TenantDefinition find(String tenantId) {
		return this.definitions.get(tenantId);
	}

	@Override
	public Collection<TenantDefinition> all() {
		return this.definitions.values();
	}

	@Override
	public void define(TenantDefinition definition) {
		change(definition.tenantId(), definition);
	}

	@Override
	public void reparent(String tenantId, @Nullable String parentId) {
		TenantDefinition current = this.definitions.get(tenantId);
		if (current == null) {
			throw new InvalidTenantHierarchyException(tenantId, "tenant-id", tenantId, "no such tenant");
		}
		change(tenantId, current.withParent(parentId));
	}

	@Override
	public boolean remove(String tenantId) {
		return change(tenantId, null);
	}

	@Override
	public Optional<TenantDefinition> definitionOf(String tenantId) {
		return Optional.ofNullable(this.definitions.get(tenantId));
	}

	private synchronized boolean change(String tenantId, @Nullable TenantDefinition replacement) {
		Map<String, TenantDefinition> current = this.definitions;
		if (replacement == null && !current.containsKey(tenantId)) {
			return false;
		}
		Map<String, TenantDefinition> changed = TenantHierarchy.change(current, tenantId, replacement, this.rules);
		this.definitions = Collections.unmodifiableMap(changed);
		this.listeners.forEach(Runnable::run);
		return true;
	}

}
