package dev.metering.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.tenant.InvalidTenantHierarchyException;
import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantHierarchy;
import dev.metering.tenant.TenantHierarchyRules;

import org.jspecify.annotations.Nullable;

import org.springframework.transaction.support.TransactionOperations;

/**
 * Every write of a tenant row: under the hierarchy's lock, the change is validated against the
 * whole effective hierarchy (configuration under the database's rows, as the directory reads it),
 * written with its audit entry in the same transaction, and then the lineages it touched are
 * invalidated here and on every instance. Two concurrent changes are validated one after the
 * other, so together they cannot make a cycle either.
 */
final class TenantHierarchyChanges {

	private final JdbcRuntimeDefinitions store;

	private final TenantDefinitionSource configured;

	private final TenantHierarchyRules rules;

	private final TransactionOperations transactions;

	private final QuotaInvalidationBus bus;

	private final Runnable hierarchyChanged;

	private final Clock clock;

	private volatile boolean lockCreated;

	TenantHierarchyChanges(JdbcRuntimeDefinitions store, TenantDefinitionSource configured, TenantHierarchyRules rules,
			TransactionOperations transactions, QuotaInvalidationBus bus, Runnable hierarchyChanged, Clock clock) {
		this.store = store;
		this.configured = configured;
		this.rules = rules;
		this.transactions = transactions;
		this.bus = bus;
		this.hierarchyChanged = hierarchyChanged;
		this.clock = clock;
	}

	/**
	 * The effective hierarchy: the configured definitions under the rows that shape the hierarchy,
	 * without the rows that would make it invalid.
	 * @param rows the database's hierarchy rows
	 * @param configured the configured definitions
	 * @param rules what the hierarchy allows
	 * @param rejected told of every row left out
	 * @return the definitions, by tenant id
	 */
	static Map<String, TenantDefinition> effective(List<TenantRow> rows, TenantDefinitionSource configured,
			TenantHierarchyRules rules, Consumer<InvalidTenantHierarchyException> rejected) {
		Map<String, TenantDefinition> defaults = new LinkedHashMap<>();
		configured.all().forEach((definition) -> defaults.put(definition.tenantId(), definition));
		Map<String, TenantDefinition> overrides = new LinkedHashMap<>();
		for (TenantRow row : rows) {
			overrides.put(row.tenantId(), row.over(defaults.get(row.tenantId())));
		}
		return TenantHierarchy.overlay(defaults, overrides, rules, rejected);
	}

	/**
	 * The effective definition of a tenant, read now.
	 * @param tenantId the tenant
	 * @return its definition, if it has one
	 */
	Optional<TenantDefinition> definitionOf(String tenantId) {
		return Optional.ofNullable(effective(this.store.hierarchyTenants(), this.configured, this.rules, (ex) -> {
		}).get(tenantId));
	}

	/**
	 * Changes a tenant's row.
	 * @param actor who
	 * @param action the audit trail's action
	 * @param tenantId the tenant
	 * @param change the new row from the current row and definition; empty deletes the row
	 * @param withQuotas whether deleting the row deletes the tenant's quota rows too
	 * @return whether anything was written ({@code false} when there was nothing to delete)
	 * @throws InvalidTenantHierarchyException naming the tenant when the hierarchy would become
	 * invalid; nothing is written then
	 */
	boolean change(String actor, String action, String tenantId, RowChange change, boolean withQuotas) {
		Instant now = this.clock.instant();
		if (!this.lockCreated) {
			this.store.createHierarchyLock(now);
			this.lockCreated = true;
		}
		Set<String> touched = new LinkedHashSet<>();
		Boolean written = this.transactions.execute((status) -> {
			if (!this.store.lockHierarchy(now)) {
				this.lockCreated = false;
				throw new IllegalStateException("The tenant hierarchy's lock row is missing; retry");
			}
			Map<String, TenantDefinition> current = effective(this.store.hierarchyTenants(), this.configured,
					this.rules, (ex) -> {
					});
			Optional<TenantRow> old = this.store.tenant(tenantId);
			int quotas = withQuotas ? this.store.tenantQuotas(tenantId).size() : 0;
			Optional<TenantRow> replacement = change.apply(old, current.get(tenantId));
			if (replacement.isEmpty() && old.isEmpty() && quotas == 0) {
				return false;
			}
			TenantDefinition configuredDefinition = this.configured.find(tenantId);
			TenantDefinition definition = replacement.filter(TenantRow::shapesHierarchy)
				.map((row) -> row.over(configuredDefinition))
				.orElse(configuredDefinition);
			Map<String, TenantDefinition> changed = TenantHierarchy.change(current, tenantId, definition, this.rules);
			// The new ancestors first: an instance gives back its budgets of an invalidated scope and
			// of that scope's ancestors before it sees any new lineage, so none admits from them after.
			List<String> before = TenantHierarchy.lineage(tenantId, current::get, this.rules.maxDepth()).scopes();
			List<String> after = TenantHierarchy.lineage(tenantId, changed::get, this.rules.maxDepth()).scopes();
			touched.addAll(after.subList(1, after.size()));
			touched.addAll(before.subList(1, before.size()));
			touched.add(tenantId);
			if (replacement.isPresent()) {
				this.store.saveTenant(replacement.get(), old.isPresent(), now);
			}
			else if (withQuotas) {
				this.store.deleteTenant(tenantId);
			}
			else {
				this.store.deleteTenantRow(tenantId);
			}
			String oldValue = withQuotas && replacement.isEmpty()
					? old.map(TenantRow::describe).orElse("") + " quotas=" + quotas
					: old.map(TenantRow::describe).orElse(null);
			this.store.audit(now, actor, action, "tenant:" + tenantId, oldValue,
					replacement.map(TenantRow::describe).orElse(null));
			return true;
		});
		if (!Boolean.TRUE.equals(written)) {
			return false;
		}
		// What enforcement cached of the tables (which tenants have rows) is stale on this instance
		// whatever bus carries the change.
		this.store.forgetCachedReads();
		this.hierarchyChanged.run();
		// The tenant's definitions, and the subtree readings and level names of its old and new ancestors.
		touched.forEach((scope) -> this.bus.publish(QuotaInvalidation.tenant(scope)));
		return true;
	}

	/** The new row of a tenant. */
	@FunctionalInterface
	interface RowChange {

		/**
		 * @param row the tenant's current row
		 * @param definition its current effective definition, {@code null} when it has none
		 * @return its new row; empty to delete the row
		 */
		Optional<TenantRow> apply(Optional<TenantRow> row, @Nullable TenantDefinition definition);

	}

}
