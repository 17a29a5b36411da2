package dev.metering.admin;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.QuotaWindow;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.InvalidTenantHierarchyException;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantHierarchyRules;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.support.TransactionOperations;

import static dev.metering.admin.AdminInput.requireFeature;
import static dev.metering.admin.AdminInput.requireMeter;
import static dev.metering.admin.AdminInput.requirePlanName;
import static dev.metering.admin.AdminInput.requireTenant;
import static dev.metering.admin.AdminInput.requireText;
import static dev.metering.admin.AdminInput.requireWindow;
import static dev.metering.admin.AdminInput.scope;
import static dev.metering.admin.AdminInput.validate;

/**
 * Changes quotas at runtime: plans, plan quotas, tenant rows (plan, exemption, place in the tenant
 * hierarchy), tenant overrides and meter definitions in the database. Every change is validated first (an {@link InvalidDefinitionException} naming the
 * field, a {@link DefinitionNotFoundException} or a {@link DefinitionConflictException}, and
 * nothing changed), written with its audit entry in one transaction, and then published on the
 * invalidation bus so every instance evicts what it made stale.
 * <p>
 * Over 350 lines: the one entry of every runtime change (plans, tenants, quotas and their
 * filters, features), each validated, written with its audit entry and published the same way.
 */
public class MeteringAdmin {

	private final JdbcRuntimeDefinitions store;

	private final LayeredQuotaDefinitions definitions;

	private final TransactionOperations transactions;

	private final QuotaInvalidationBus bus;

	private final Clock clock;

	private final TenantHierarchyChanges tenants;

	private final MeterDefinitions meters;

	/**
	 * Creates the admin API without configured tenants.
	 * @param store the runtime definitions' tables
	 * @param definitions the effective definitions (for existence checks and explanations)
	 * @param transactions transactions on the store's database
	 * @param bus where changes are published
	 * @param clock the audit trail's clock
	 */
	public MeteringAdmin(JdbcRuntimeDefinitions store, LayeredQuotaDefinitions definitions,
			TransactionOperations transactions, QuotaInvalidationBus bus, Clock clock) {
		this(store, definitions, transactions, bus, clock, new InMemoryTenantDefinitions(List.of(),
				TenantHierarchyRules.DEFAULTS), TenantHierarchyRules.DEFAULTS, () -> {
				});
	}

	/**
	 * Creates the admin API.
	 * @param store the runtime definitions' tables
	 * @param definitions the effective definitions (for existence checks and explanations)
	 * @param transactions transactions on the store's database
	 * @param bus where changes are published
	 * @param clock the audit trail's clock
	 * @param configuredTenants the configured tenant definitions ({@code metering.tenants}) that
	 * tenant rows are validated with
	 * @param rules what the tenant hierarchy allows
	 * @param hierarchyChanged clears this instance's tenant lineages after a tenant change
	 */
	public MeteringAdmin(JdbcRuntimeDefinitions store, LayeredQuotaDefinitions definitions,
			TransactionOperations transactions, QuotaInvalidationBus bus, Clock clock,
			TenantDefinitionSource configuredTenants, TenantHierarchyRules rules, Runnable hierarchyChanged) {
		this(store, definitions, transactions, bus, clock, configuredTenants, rules, hierarchyChanged,
				MeterDefinitions.NONE);
	}

	/**
	 * Creates the admin API that checks quotas against the meter definitions (a filter on a
	 * dimension the meter groups by, a meter whose aggregation a quota can limit).
	 * @param store the runtime definitions' tables
	 * @param definitions the effective definitions (for existence checks and explanations)
	 * @param transactions transactions on the store's database
	 * @param bus where changes are published
	 * @param clock the audit trail's clock
	 * @param configuredTenants the configured tenant definitions
	 * @param rules what the tenant hierarchy allows
	 * @param hierarchyChanged clears this instance's tenant lineages after a tenant change
	 * @param meters the meter definitions
	 */
	public MeteringAdmin(JdbcRuntimeDefinitions store, LayeredQuotaDefinitions definitions,
			TransactionOperations transactions, QuotaInvalidationBus bus, Clock clock,
			TenantDefinitionSource configuredTenants, TenantHierarchyRules rules, Runnable hierarchyChanged,
			MeterDefinitions meters) {
		this.meters = meters;
		this.store = store;
		this.definitions = definitions;
		this.transactions = transactions;
		this.bus = bus;
		this.clock = clock;
		this.tenants = new TenantHierarchyChanges(store, configuredTenants, rules, transactions, bus,
				hierarchyChanged, clock);
	}

	/**
	 * Creates a plan in the database (its quotas follow with {@link #putPlanQuota}).
	 * @param actor who changes it
	 * @param plan the plan name: {@code [a-z0-9][a-z0-9._-]*}, at most 64 characters
	 * @param description an optional description
	 */
	public void createPlan(String actor, @Nullable String plan, @Nullable String description) {
		String name = requirePlanName(plan);
		if (description != null && description.length() > 512) {
			throw new InvalidDefinitionException("description", description.substring(0, 32) + "...",
					"at most 512 characters");
		}
		change(actor, QuotaInvalidation.plan(name), (now) -> {
			if (this.definitions.planExists(name)) {
				throw new DefinitionConflictException("Plan '" + name + "' exists already");
			}
			this.store.insertPlan(name, description, now);
			this.store.audit(now, actor, "create-plan", "plan:" + name, null,
					"description=" + ((description != null) ? description : ""));
		});
	}

	/**
	 * Deletes a plan of the database with its quotas.
	 * @param actor who changes it
	 * @param plan the plan
	 * @throws DefinitionConflictException when a tenant row is still on it
	 */
	public void deletePlan(String actor, @Nullable String plan) {
		String name = requireText("plan", plan, 64);
		change(actor, QuotaInvalidation.plan(name), (now) -> {
			if (!this.store.hasPlan(name)) {
				throw new DefinitionNotFoundException("plan '" + name + "' in the database"
						+ (this.definitions.isConfiguredPlan(name) ? " (it is configured in metering.plans)" : ""));
			}
			long tenants = this.store.tenantsOnPlan(name);
			if (tenants > 0 && !this.definitions.isConfiguredPlan(name)) {
				throw new DefinitionConflictException(
						"Plan '" + name + "' is the plan of " + tenants + " tenant(s); move them first");
			}
			this.store.deletePlan(name);
			this.store.audit(now, actor, "delete-plan", "plan:" + name, "exists", null);
		});
	}

	/**
	 * Sets a plan's quota of one meter and window: it replaces the configured one.
	 * @param actor who changes it
	 * @param plan a plan of the configuration or the database
	 * @param change the quota
	 */
	public void putPlanQuota(String actor, @Nullable String plan, QuotaChange change) {
		String name = requireText("plan", plan, 64);
		QuotaRow row = validate(change, this.meters);
		change(actor, QuotaInvalidation.plan(name), (now) -> {
			requirePlan(name, "plan");
			Optional<QuotaRow> old = this.store.planQuota(name, row.meter(), row.filter(), row.window());
			this.store.savePlanQuota(name, row, old.isPresent(), now);
			this.store.audit(now, actor, "put-plan-quota", "plan:" + name + "/" + row.target(),
					old.map(QuotaRow::describe).orElse(null), row.describe());
		});
	}

	/**
	 * Deletes a plan's quota row: the configured quota (if any) applies again.
	 * @param actor who changes it
	 * @param plan the plan
	 * @param meter the meter
	 * @param window the window
	 */
	public void deletePlanQuota(String actor, @Nullable String plan, @Nullable String meter, @Nullable String window) {
		deletePlanQuota(actor, plan, meter, Map.of(), window);
	}

	/**
	 * Deletes a plan's quota row of one filter: the configured quota (if any) applies again.
	 * @param actor who changes it
	 * @param plan the plan
	 * @param meter the meter
	 * @param filter the row's filter, empty for the row without one
	 * @param window the window
	 */
	public void deletePlanQuota(String actor, @Nullable String plan, @Nullable String meter, Map<String, String> filter,
			@Nullable String window) {
		String name = requireText("plan", plan, 64);
		String validMeter = requireMeter(meter);
		QuotaWindow validWindow = requireWindow(window);
		change(actor, QuotaInvalidation.plan(name), (now) -> {
			QuotaRow old = this.store.planQuota(name, validMeter, filter, validWindow)
				.orElseThrow(() -> new DefinitionNotFoundException("quota of " + validMeter + describe(filter) + " per "
						+ validWindow.id() + " on plan '" + name + "'"));
			this.store.deletePlanQuota(name, validMeter, filter, validWindow);
			this.store.audit(now, actor, "delete-plan-quota", "plan:" + name + "/" + old.target(), old.describe(),
					null);
		});
	}

	private static String describe(Map<String, String> filter) {
		return filter.isEmpty() ? "" : " of " + dev.metering.quota.QuotaPolicy.filterKey(filter);
	}

	/**
	 * Sets a tenant's row: plan, exempt flag and its place in the hierarchy (parent, billing
	 * attribution, exempt descendants), validated against the whole tenant hierarchy. A
	 * {@code null} plan or exempt flag is as configured; a {@code null} hierarchy field keeps what
	 * the row said (as configured without a row).
	 * @param actor who changes it
	 * @param tenantId the tenant
	 * @param change the row
	 */
	public void putTenant(String actor, @Nullable String tenantId, TenantChange change) {
		String tenant = requireTenant(tenantId);
		requireText("actor", actor, 256);
		if (change.plan() != null) {
			requireText("plan", change.plan(), 64);
		}
		@Nullable String parent = scope("parent", change.parent());
		@Nullable String payer = scope("billing-attribution", change.billingAttribution());
		Instant effectiveFrom = effectiveFrom(change.planEffectiveFrom());
		try {
			this.tenants.change(actor, "put-tenant", tenant, (old, current) -> {
				if (change.plan() != null) {
					requirePlan(change.plan(), "plan");
				}
				// Calendar fields left null keep the row's; "" and 0 return to the configured one.
				String zone = (change.timeZone() == null) ? old.map(TenantRow::timeZone).orElse(null)
						: change.timeZone().isEmpty() ? null : change.timeZone().trim();
				Integer anchor = (change.anchorDay() == null) ? old.map(TenantRow::anchorDay).orElse(null)
						: (change.anchorDay() == 0) ? null : change.anchorDay();
				// Hierarchy fields left null keep the row's: changing a plan does not move the tenant.
				TenantRow row = new TenantRow(tenant, change.plan(), change.exempt(),
						(parent != null) ? parent : old.map(TenantRow::parentId).orElse(null),
						(payer != null) ? payer : old.map(TenantRow::billingAttribution).orElse(null),
						(change.exemptDescendants() != null) ? change.exemptDescendants()
								: old.map(TenantRow::exemptDescendants).orElse(null),
						zone, anchor);
				requireCalendar(row, (current != null) ? current.calendar() : null, change);
				if (change.plan() != null) {
					String previous = old.map(TenantRow::plan).orElseGet(() -> (current != null) ? current.plan() : null);
					if (previous == null) {
						previous = this.definitions.planOf(tenant).orElse(null);
					}
					this.store.assignPlan(tenant, previous, change.plan(), effectiveFrom, this.clock.instant());
				}
				return Optional.of(row);
			}, false);
		}
		catch (InvalidTenantHierarchyException ex) {
			throw new InvalidDefinitionException(ex.getField(), ex.getValue(), ex.getMessage());
		}
	}

	/** A plan change's effective instant: a whole hour, not in the future; the current hour when not given. */
	private Instant effectiveFrom(@Nullable Instant given) {
		Instant now = this.clock.instant();
		if (given == null) {
			return now.truncatedTo(ChronoUnit.HOURS);
		}
		if (!given.truncatedTo(ChronoUnit.HOURS).equals(given)) {
			throw new InvalidDefinitionException("plan_effective_from", given,
					"a whole UTC hour: the rollups bill usage by the hour");
		}
		if (given.isAfter(now)) {
			throw new InvalidDefinitionException("plan_effective_from", given, "not in the future");
		}
		return given;
	}

	/** The row's calendar must be one the kit accepts: a known zone of whole hours, an anchor of 1 to 31. */
	private static void requireCalendar(TenantRow row, dev.metering.tenant.@Nullable BillingCalendar configured,
			TenantChange change) {
		if (row.anchorDay() != null && (row.anchorDay() < 1 || row.anchorDay() > 31)) {
			throw new InvalidDefinitionException("anchor_day", change.anchorDay(),
					"a day of the month, 1 to 31 (0 for the configured one)");
		}
		try {
			row.calendarOver(configured);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidDefinitionException("time_zone", change.timeZone(), ex.getMessage());
		}
	}

	/**
	 * Deletes a tenant's row and quota rows: its configured definitions apply again.
	 * @param actor who changes it
	 * @param tenantId the tenant
	 * @throws DefinitionConflictException when the tenant would leave children without a parent
	 */
	public void deleteTenant(String actor, @Nullable String tenantId) {
		String tenant = requireTenant(tenantId);
		requireText("actor", actor, 256);
		boolean deleted;
		try {
			deleted = this.tenants.change(actor, "delete-tenant", tenant, (old, current) -> Optional.empty(), true);
		}
		catch (InvalidTenantHierarchyException ex) {
			throw new DefinitionConflictException(ex.getMessage());
		}
		if (!deleted) {
			throw new DefinitionNotFoundException("tenant '" + tenant + "' in the database");
		}
	}

	/**
	 * Sets a tenant's own quota of one meter and window: it replaces its plan's.
	 * @param actor who changes it
	 * @param tenantId the tenant
	 * @param change the quota ({@code limit} 0 cuts it off)
	 */
	public void putTenantQuota(String actor, @Nullable String tenantId, QuotaChange change) {
		String tenant = requireTenant(tenantId);
		QuotaRow row = validate(change, this.meters);
		change(actor, QuotaInvalidation.tenant(tenant), (now) -> {
			Optional<QuotaRow> old = this.store.tenantQuota(tenant, row.meter(), row.filter(), row.window());
			this.store.saveTenantQuota(tenant, row, old.isPresent(), now);
			this.store.audit(now, actor, "put-tenant-quota", "tenant:" + tenant + "/" + row.target(),
					old.map(QuotaRow::describe).orElse(null), row.describe());
		});
	}

	/**
	 * Sets a feature's value on a plan ({@code scope} {@code plan}) or a tenant ({@code tenant}):
	 * it replaces the configured value; {@code false} withdraws the feature.
	 * @param actor who changes it
	 * @param scope {@code plan} or {@code tenant}
	 * @param id the plan (which must exist) or the tenant
	 * @param feature the feature: {@code [a-z0-9][a-z0-9._-]*}, at most 64 characters
	 * @param value its value ({@code true}, {@code false}, {@code 20}, {@code priority}), at most 256 characters
	 */
	public void putFeature(String actor, @Nullable String scope, @Nullable String id, @Nullable String feature,
			@Nullable String value) {
		FeatureTarget target = featureTarget(scope, id, feature);
		String newValue = requireText("value", value, 256).trim();
		change(actor, target.invalidation(), (now) -> {
			target.requireExists(this);
			Optional<String> old = this.store.features().value(target.kind(), target.id(), target.feature());
			this.store.features().save(target.kind(), target.id(), target.feature(), newValue, old.isPresent(),
					now.toEpochMilli());
			this.store.audit(now, actor, "put-feature", target.auditTarget(), old.orElse(null), newValue);
		});
	}

	/**
	 * Deletes a feature's row: the configured value (if any) applies again.
	 * @param actor who changes it
	 * @param scope {@code plan} or {@code tenant}
	 * @param id the plan or the tenant
	 * @param feature the feature
	 */
	public void deleteFeature(String actor, @Nullable String scope, @Nullable String id, @Nullable String feature) {
		FeatureTarget target = featureTarget(scope, id, feature);
		change(actor, target.invalidation(), (now) -> {
			String old = this.store.features()
				.value(target.kind(), target.id(), target.feature())
				.orElseThrow(() -> new DefinitionNotFoundException("feature " + target.auditTarget()));
			this.store.features().delete(target.kind(), target.id(), target.feature());
			this.store.audit(now, actor, "delete-feature", target.auditTarget(), old, null);
		});
	}

	private static FeatureTarget featureTarget(@Nullable String scope, @Nullable String id, @Nullable String feature) {
		String name = requireFeature(feature);
		if ("plan".equals(scope)) {
			return new FeatureTarget("plan", requireText("plan", id, 64), name);
		}
		if ("tenant".equals(scope)) {
			return new FeatureTarget("tenant", requireTenant(id), name);
		}
		throw new InvalidDefinitionException("scope", scope, "plan or tenant");
	}

	/**
	 * Deletes a tenant's quota row: its plan's (or configured) quota applies again.
	 * @param actor who changes it
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param window the window
	 */
	public void deleteTenantQuota(String actor, @Nullable String tenantId, @Nullable String meter,
			@Nullable String window) {
		deleteTenantQuota(actor, tenantId, meter, Map.of(), window);
	}

	/**
	 * Deletes a tenant's quota row of one filter: its plan's (or configured) quota applies again.
	 * @param actor who changes it
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param filter the row's filter, empty for the row without one
	 * @param window the window
	 */
	public void deleteTenantQuota(String actor, @Nullable String tenantId, @Nullable String meter,
			Map<String, String> filter, @Nullable String window) {
		String tenant = requireTenant(tenantId);
		String validMeter = requireMeter(meter);
		QuotaWindow validWindow = requireWindow(window);
		change(actor, QuotaInvalidation.tenant(tenant), (now) -> {
			QuotaRow old = this.store.tenantQuota(tenant, validMeter, filter, validWindow)
				.orElseThrow(() -> new DefinitionNotFoundException("quota of " + validMeter + describe(filter)
						+ " per " + validWindow.id() + " on tenant '" + tenant + "'"));
			this.store.deleteTenantQuota(tenant, validMeter, filter, validWindow);
			this.store.audit(now, actor, "delete-tenant-quota", "tenant:" + tenant + "/" + old.target(),
					old.describe(), null);
		});
	}

	/**
	 * Sets a meter's definition in the database: it replaces the configured one of the same meter
	 * on every instance once the bus delivers the change.
	 * @param actor who changes it
	 * @param change the definition, with the property names of {@code metering.meters[i]}
	 * @return the definition now in the database
	 * @throws InvalidDefinitionException naming the property, as the start-up does
	 * @throws DefinitionConflictException when the change would make the meter's rollups differ
	 * from its ledger (see {@link #requireSameShape})
	 */
	public MeterDefinition putMeter(String actor, MeterChange change) {
		MeterDefinition definition = change.toDefinition();
		if (this.meters instanceof LayeredMeterDefinitions layered) {
			layered.check(definition);
		}
		changeMeter(actor, "put-meter", definition.name(), definition);
		return definition;
	}

	/**
	 * The meter definitions of the database (each wins over the configured one of its meter).
	 * @return the rows, by meter
	 */
	public List<MeterDefinition> meterDefinitions() {
		return this.store.meterDefinitions();
	}

	/**
	 * Deletes a meter's definition of the database: its configured definition (or none, a sum of
	 * quantity) applies again.
	 * @param actor who changes it
	 * @param meter the meter
	 */
	public void deleteMeter(String actor, @Nullable String meter) {
		changeMeter(actor, "delete-meter", requireMeter(meter), null);
	}

	private void changeMeter(String actor, String action, String meter, @Nullable MeterDefinition definition) {
		change(actor, QuotaInvalidation.all(), (now) -> {
			Optional<MeterDefinition> old = this.store.meterDefinitions()
				.stream()
				.filter((row) -> row.name().equals(meter))
				.findFirst();
			if (definition == null && old.isEmpty()) {
				throw new DefinitionNotFoundException("definition of meter '" + meter + "' in the database");
			}
			@Nullable MeterDefinition configured = (this.meters instanceof LayeredMeterDefinitions layered)
					? layered.configured(meter) : null;
			@Nullable MeterDefinition before = old.orElse(configured);
			requireSameShape(meter, before, (definition != null) ? definition : configured);
			if (definition != null) {
				this.store.saveMeterDefinition(definition, old.isPresent(), now);
			}
			else {
				this.store.deleteMeterDefinition(meter);
			}
			this.store.audit(now, actor, action, "meter:" + meter, old.map(MeteringAdmin::describe).orElse(null),
					(definition != null) ? describe(definition) : null);
		});
		// This instance serves the change from now on; the others read it when the bus tells them.
		if (this.meters instanceof LayeredMeterDefinitions layered) {
			layered.reload();
		}
	}

	/**
	 * The rollups of a defined meter hold what its aggregation and group-by need, folded as the
	 * events came: a meter that has rollups keeps them. A new definition of a meter whose sum of
	 * quantity has rollups, or another aggregation or group-by of a meter whose definition has
	 * rollups, is refused; going back to no definition (a sum of quantity, read from the rollups
	 * every meter has) is not.
	 */
	private void requireSameShape(String meter, @Nullable MeterDefinition before, @Nullable MeterDefinition after) {
		if (after == null) {
			return;
		}
		if (before == null) {
			if (this.store.meterHasUsage(meter)) {
				throw new DefinitionConflictException("Meter '" + meter + "' has usage rolled up as a sum of quantity; "
						+ "a definition applies to a meter before its first event");
			}
			return;
		}
		boolean sameShape = before.aggregation() == after.aggregation()
				&& before.groupBy().keySet().equals(after.groupBy().keySet())
				&& List.copyOf(before.groupBy().values()).equals(List.copyOf(after.groupBy().values()));
		if (!sameShape && this.store.meterHasRollups(meter)) {
			throw new DefinitionConflictException("Meter '" + meter + "' has rollups of its "
					+ before.aggregation().configName() + " by " + before.groupBy().keySet()
					+ "; its aggregation and group-by stay as they are");
		}
	}

	private static String describe(MeterDefinition definition) {
		StringBuilder text = new StringBuilder("aggregation=").append(definition.aggregation().configName())
			.append(" event-type=")
			.append(definition.eventType());
		if (definition.value() != null) {
			text.append(" value=").append(definition.value().text());
		}
		definition.groupBy().forEach((dimension, pointer) -> text.append(" group-by.").append(dimension).append('=')
			.append(pointer.text()));
		if (definition.unit() != null) {
			text.append(" unit=").append(definition.unit());
		}
		text.append(" max-groups=").append(definition.maxGroups());
		return text.toString();
	}

	/**
	 * The effective quotas of a tenant with the origin of each value.
	 * @param tenantId the tenant
	 * @return its quotas
	 */
	public EffectiveQuotas explain(@Nullable String tenantId) {
		return this.definitions.explain(requireTenant(tenantId));
	}

	/**
	 * The database's quotas of a plan.
	 * @param plan the plan
	 * @return its rows
	 */
	public List<QuotaRow> planQuotas(@Nullable String plan) {
		String name = requireText("plan", plan, 64);
		requirePlan(name, "plan");
		return this.store.planQuotas(name);
	}

	/**
	 * The audit trail, newest first.
	 * @param targetPrefix e.g. {@code tenant:acme}, {@code plan:pro}, or empty for all
	 * @param limit the most entries, 1 to 1000
	 * @return the entries
	 */
	public List<AuditEntry> audit(String targetPrefix, int limit) {
		if (limit < 1 || limit > 1000) {
			throw new InvalidDefinitionException("limit", limit, "from 1 to 1000");
		}
		return this.store.audit(targetPrefix, limit);
	}

	/**
	 * Writes an entry of the audit trail for an operation that changes no definition (closing
	 * billing periods into invoices).
	 * @param actor who did it
	 * @param action what, e.g. {@code close-invoices}
	 * @param target what it acted on, e.g. {@code invoices}
	 * @param result what it did, e.g. the invoice numbers
	 */
	public void audit(String actor, String action, String target, @Nullable String result) {
		requireText("actor", actor, 256);
		this.transactions.executeWithoutResult(
				(status) -> this.store.audit(this.clock.instant(), actor, action, target, null, result));
	}

	private void change(String actor, QuotaInvalidation invalidation, Consumer<Instant> work) {
		requireText("actor", actor, 256);
		try {
			this.transactions.executeWithoutResult((status) -> work.accept(this.clock.instant()));
		}
		catch (DuplicateKeyException ex) {
			throw new DefinitionConflictException("A concurrent change of the same definition won; retry");
		}
		// What this instance keeps of the tables is stale now, whatever bus (if any) carries the change.
		this.store.forgetCachedReads();
		this.bus.publish(invalidation);
	}

	private void requirePlan(String plan, String field) {
		if (!this.definitions.planExists(plan)) {
			throw new DefinitionNotFoundException("plan '" + plan + "' (field " + field + ")");
		}
	}

	/** A feature row's key. */
	private record FeatureTarget(String kind, String id, String feature) {

		QuotaInvalidation invalidation() {
			return "plan".equals(this.kind) ? QuotaInvalidation.plan(this.id) : QuotaInvalidation.tenant(this.id);
		}

		void requireExists(MeteringAdmin admin) {
			if ("plan".equals(this.kind)) {
				admin.requirePlan(this.id, "plan");
			}
		}

		String auditTarget() {
			return this.kind + ":" + this.id + "/feature/" + this.feature;
		}

	}

	TenantHierarchyChanges tenantChanges() {
		return this.tenants;
	}

}
