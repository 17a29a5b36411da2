package dev.metering.tenant;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Every tenant definition read at once, with what the request path asks of them worked out ahead:
 * each defined tenant's lineage and calendar, and each parent's children. A tenant with no
 * definition (most of them) is a flat root in UTC months, answered without a look-up anywhere.
 */
final class TenantSnapshot {

	private final Map<String, TenantLineage> lineages;

	private final Map<String, BillingCalendar> calendars;

	private final Map<String, List<String>> children;

	private TenantSnapshot(Map<String, TenantLineage> lineages, Map<String, BillingCalendar> calendars,
			Map<String, List<String>> children) {
		this.lineages = lineages;
		this.calendars = calendars;
		this.children = children;
	}

	/**
	 * The snapshot of a complete set of definitions.
	 * @param all every definition
	 * @param maxDepth the most levels a lineage is followed
	 * @return the snapshot
	 */
	static TenantSnapshot of(Collection<TenantDefinition> all, int maxDepth) {
		Map<String, TenantDefinition> byId = new HashMap<>();
		all.forEach((definition) -> byId.put(definition.tenantId(), definition));
		Map<String, TenantLineage> lineages = new HashMap<>();
		Map<String, BillingCalendar> calendars = new HashMap<>();
		Map<String, List<String>> children = new HashMap<>();
		TenantCalendars calendarOf = TenantCalendars.of(source(byId));
		for (TenantDefinition definition : byId.values()) {
			String id = definition.tenantId();
			lineages.put(id, TenantHierarchy.lineage(id, byId::get, maxDepth));
			BillingCalendar calendar = calendarOf.calendarOf(id);
			if (!calendar.equals(BillingCalendar.UTC)) {
				calendars.put(id, calendar);
			}
			if (definition.parentId() != null) {
				children.computeIfAbsent(definition.parentId(), (parent) -> new ArrayList<>()).add(id);
			}
		}
		children.replaceAll((parent, ids) -> List.copyOf(ids));
		return new TenantSnapshot(Map.copyOf(lineages), Map.copyOf(calendars), Map.copyOf(children));
	}

	private static TenantDefinitionSource source(Map<String, TenantDefinition> byId) {
		return new TenantDefinitionSource() {

			@Override
			public @Nullable TenantDefinition find(String tenantId) {
				return byId.get(tenantId);
			}

			@Override
			public Collection<TenantDefinition> all() {
				return byId.values();
			}

		};
	}

	TenantLineage lineageOf(String tenantId) {
		TenantLineage lineage = this.lineages.get(tenantId);
		return (lineage != null) ? lineage : TenantLineage.flat(tenantId);
	}

	BillingCalendar calendarOf(String scope) {
		return this.calendars.getOrDefault(scope, BillingCalendar.UTC);
	}

	Map<String, List<String>> children() {
		return this.children;
	}

	/** How many tenants are defined. */
	int size() {
		return this.lineages.size();
	}

}
