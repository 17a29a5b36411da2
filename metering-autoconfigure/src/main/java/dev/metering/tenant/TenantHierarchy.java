package dev.metering.tenant;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The rules of a tenant hierarchy: how a lineage is resolved, and what makes a set of
 * definitions invalid (a cycle, an unknown parent, a payer outside the lineage, too many levels).
 */
public final class TenantHierarchy {

	private TenantHierarchy() {
	}

	/**
	 * Checks a complete set of definitions.
	 * @param definitions every tenant, by id
	 * @param rules what the hierarchy allows
	 * @throws InvalidTenantHierarchyException naming the first tenant whose definition is wrong
	 */
	public static void validate(Map<String, TenantDefinition> definitions, TenantHierarchyRules rules) {
		for (TenantDefinition definition : definitions.values()) {
			validate(definition, definitions, rules);
		}
	}

	private static void validate(TenantDefinition tenant, Map<String, TenantDefinition> definitions,
			TenantHierarchyRules rules) {
		String id = tenant.tenantId();
		if (id == null || id.isBlank()) {
			throw new InvalidTenantHierarchyException(String.valueOf(id), "tenant-id", id, "a tenant id is required");
		}
		String parent = tenant.parentId();
		if (parent != null && !definitions.containsKey(parent)) {
			throw new InvalidTenantHierarchyException(id, "parent", parent,
					"no such tenant; a parent must be defined itself");
		}
		Set<String> lineage = new LinkedHashSet<>();
		lineage.add(id);
		for (TenantDefinition at = tenant; at.parentId() != null; at = definitions.get(at.parentId())) {
			if (!lineage.add(at.parentId())) {
				throw new InvalidTenantHierarchyException(id, "parent", parent,
						"a cycle: " + String.join(" -> ", lineage) + " -> " + at.parentId());
			}
			if (lineage.size() > rules.maxDepth()) {
				throw new InvalidTenantHierarchyException(id, "parent", parent, "the lineage "
						+ String.join(" -> ", lineage) + " has more than " + rules.maxDepth()
						+ " levels (metering.hierarchy.max-depth)");
			}
			if (!definitions.containsKey(at.parentId())) {
				// An ancestor's unknown parent is reported for that ancestor.
				break;
			}
		}
		String payer = tenant.billingAttribution();
		if (payer != null) {
			if (payer.isBlank()) {
				throw new InvalidTenantHierarchyException(id, "billing-attribution", payer,
						"must name the paying tenant; leave it unset for the tenant to pay itself");
			}
			if (!lineage.contains(payer) && !rules.allowBillingOutsideLineage()) {
				throw new InvalidTenantHierarchyException(id, "billing-attribution", payer,
						"not in the tenant's lineage " + String.join(" -> ", lineage)
								+ "; bill the tenant itself or an ancestor, or set "
								+ "metering.hierarchy.allow-billing-outside-lineage=true");
			}
		}
	}

	/**
	 * Checks that a set of definitions is valid with one tenant replaced or removed, naming that
	 * tenant when not.
	 * @param definitions the current definitions, by id
	 * @param tenantId the changed tenant
	 * @param replacement its new definition, or {@code null} to remove it
	 * @param rules what the hierarchy allows
	 * @return the changed definitions
	 * @throws InvalidTenantHierarchyException naming the tenant when the change would break the
	 * hierarchy
	 */
	public static Map<String, TenantDefinition> change(Map<String, TenantDefinition> definitions, String tenantId,
			@Nullable TenantDefinition replacement, TenantHierarchyRules rules) {
		Map<String, TenantDefinition> changed = new LinkedHashMap<>(definitions);
		if (replacement == null) {
			List<String> children = definitions.values()
				.stream()
				.filter((d) -> tenantId.equals(d.parentId()))
				.map(TenantDefinition::tenantId)
				.toList();
			if (!children.isEmpty()) {
				throw new InvalidTenantHierarchyException(tenantId, "parent", null,
						"is the parent of " + String.join(", ", children) + "; re-parent or remove them first");
			}
			changed.remove(tenantId);
		}
		else {
			changed.put(tenantId, replacement);
		}
		try {
			validate(changed, rules);
		}
		catch (InvalidTenantHierarchyException ex) {
			if (ex.getTenantId().equals(tenantId)) {
				throw ex;
			}
			// The change broke another tenant's lineage (too deep, billed to a scope now outside it).
			throw new InvalidTenantHierarchyException(tenantId, "parent",
					(replacement != null) ? replacement.parentId() : null,
					"would break tenant '" + ex.getTenantId() + "': " + ex.getReason());
		}
		return changed;
	}

	/**
	 * Rows over valid defaults, keeping only the rows that leave the hierarchy valid: a row that
	 * makes a tenant's definition wrong (its own, or one below it) is dropped, and that tenant falls
	 * back to its default (or is undefined without one). Rows written behind the kit's back cannot
	 * break the rest of the hierarchy this way.
	 * @param defaults valid definitions, by id (the configuration)
	 * @param rows definitions that win over the defaults, by id
	 * @param rules what the hierarchy allows
	 * @param rejected told of each dropped row, with why
	 * @return the valid definitions, by id
	 */
	public static Map<String, TenantDefinition> overlay(Map<String, TenantDefinition> defaults,
			Map<String, TenantDefinition> rows, TenantHierarchyRules rules,
			Consumer<InvalidTenantHierarchyException> rejected) {
		Map<String, TenantDefinition> pending = new LinkedHashMap<>(rows);
		while (true) {
			Map<String, TenantDefinition> merged = new LinkedHashMap<>(defaults);
			merged.putAll(pending);
			Map<String, InvalidTenantHierarchyException> culprits = new LinkedHashMap<>();
			for (TenantDefinition definition : merged.values()) {
				InvalidTenantHierarchyException invalid = problem(definition, merged, rules);
				if (invalid == null) {
					continue;
				}
				List<String> cycle = cycleThrough(definition, merged);
				TenantDefinition parent = (definition.parentId() != null) ? merged.get(definition.parentId()) : null;
				if (cycle.isEmpty() && parent != null && problem(parent, merged, rules) != null) {
					// Wrong only because an ancestor is: that one is blamed.
					continue;
				}
				String culprit = culprit(cycle.isEmpty() ? lineageIds(definition, merged) : cycle, pending);
				if (culprit == null) {
					// Only defaults in the way (they are valid on their own): leave every row out.
					pending.keySet().forEach((id) -> culprits.putIfAbsent(id, invalid));
					break;
				}
				culprits.putIfAbsent(culprit, culprit.equals(definition.tenantId()) ? invalid
						: new InvalidTenantHierarchyException(culprit, "parent", pending.get(culprit).parentId(),
								"breaks tenant '" + invalid.getTenantId() + "': " + invalid.getReason()));
			}
			if (culprits.isEmpty()) {
				return merged;
			}
			culprits.forEach((id, ex) -> {
				pending.remove(id);
				rejected.accept(ex);
			});
		}
	}

	private static @Nullable InvalidTenantHierarchyException problem(TenantDefinition definition,
			Map<String, TenantDefinition> definitions, TenantHierarchyRules rules) {
		try {
			validate(definition, definitions, rules);
			return null;
		}
		catch (InvalidTenantHierarchyException ex) {
			return ex;
		}
	}

	/** The tenant and its ancestors, up to the root, an unknown parent or a repeat. */
	private static List<String> lineageIds(TenantDefinition tenant, Map<String, TenantDefinition> definitions) {
		Set<String> seen = new LinkedHashSet<>();
		for (TenantDefinition at = tenant; at != null && seen.add(at.tenantId());
				at = (at.parentId() != null) ? definitions.get(at.parentId()) : null) {
			// walks up
		}
		return List.copyOf(seen);
	}

	/** The cycle a tenant is on, starting with it; empty when it is on none. */
	private static List<String> cycleThrough(TenantDefinition tenant, Map<String, TenantDefinition> definitions) {
		List<String> path = new ArrayList<>();
		Set<String> seen = new LinkedHashSet<>();
		for (TenantDefinition at = tenant; at != null; at = (at.parentId() != null) ? definitions.get(at.parentId())
				: null) {
			if (!seen.add(at.tenantId())) {
				return at.tenantId().equals(tenant.tenantId()) ? path : List.of();
			}
			path.add(at.tenantId());
		}
		return List.of();
	}

	/** The first tenant of a path whose definition comes from a row. */
	private static @Nullable String culprit(List<String> path, Map<String, TenantDefinition> rows) {
		for (String id : path) {
			if (rows.containsKey(id)) {
				return id;
			}
		}
		return null;
	}

	/**
	 * Resolves a tenant's lineage through a look-up of definitions.
	 * @param tenantId the tenant
	 * @param find the definition of a tenant, or {@code null} when it has none
	 * @param maxDepth the most levels followed: a guard against rows changed behind the kit's back
	 * @return the lineage
	 */
	public static TenantLineage lineage(String tenantId, Function<String, @Nullable TenantDefinition> find,
			int maxDepth) {
		TenantDefinition tenant = find.apply(tenantId);
		if (tenant == null) {
			return TenantLineage.flat(tenantId);
		}
		List<String> scopes = new ArrayList<>();
		List<String> exemptScopes = new ArrayList<>();
		boolean exempt = tenant.exempt();
		scopes.add(tenantId);
		if (tenant.exempt()) {
			exemptScopes.add(tenantId);
		}
		String parent = tenant.parentId();
		while (parent != null && scopes.size() < maxDepth && !scopes.contains(parent)) {
			scopes.add(parent);
			TenantDefinition ancestor = find.apply(parent);
			if (ancestor == null) {
				break;
			}
			if (ancestor.exempt()) {
				exemptScopes.add(parent);
			}
			exempt |= ancestor.exemptDescendants();
			parent = ancestor.parentId();
		}
		return new TenantLineage(scopes, tenant.billingScope(), exemptScopes, exempt);
	}

	/**
	 * The definitions by id.
	 * @param definitions the definitions
	 * @return them by tenant id, in their order
	 */
	static Map<String, TenantDefinition> byId(Collection<TenantDefinition> definitions) {
		Map<String, TenantDefinition> byId = new LinkedHashMap<>();
		definitions.forEach((definition) -> byId.put(definition.tenantId(), definition));
		return byId;
	}

}
