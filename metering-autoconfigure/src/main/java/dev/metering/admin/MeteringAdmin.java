package dev.metering.admin;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.metering.event.UsageEventValidator;
import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaWindow;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.quota.bus.QuotaInvalidationBus;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.util.StringUtils;

/**
 * Changes quotas at runtime: plans, plan quotas, tenant assignments and tenant overrides in the
 * database. Every change is validated first (an {@link InvalidDefinitionException} naming the
 * field, a {@link DefinitionNotFoundException} or a {@link DefinitionConflictException}, and
 * nothing changed), written with its audit entry in one transaction, and then published on the
 * invalidation bus so every instance evicts what it made stale.
 */
public class MeteringAdmin {

	private static final Pattern PLAN_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

	private static final int MAX_TENANT_ID = 128;

	private final JdbcRuntimeDefinitions store;

	private final LayeredQuotaDefinitions definitions;

	private final TransactionOperations transactions;

	private final QuotaInvalidationBus bus;

	private final Clock clock;

	/**
	 * Creates the admin API.
	 * @param store the runtime definitions' tables
	 * @param definitions the effective definitions (for existence checks and explanations)
	 * @param transactions transactions on the store's database
	 * @param bus where changes are published
	 * @param clock the audit trail's clock
	 */
	public MeteringAdmin(JdbcRuntimeDefinitions store, LayeredQuotaDefinitions definitions,
			TransactionOperations transactions, QuotaInvalidationBus bus, Clock clock) {
		this.store = store;
		this.definitions = definitions;
		this.transactions = transactions;
		this.bus = bus;
		this.clock = clock;
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
		QuotaRow row = validate(change);
		change(actor, QuotaInvalidation.plan(name), (now) -> {
			requirePlan(name, "plan");
			Optional<QuotaRow> old = this.store.planQuota(name, row.meter(), row.window());
			this.store.savePlanQuota(name, row, old.isPresent(), now);
			this.store.audit(now, actor, "put-plan-quota", "plan:" + name + "/" + row.meter() + "/" + row.window().id(),
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
		String name = requireText("plan", plan, 64);
		String validMeter = requireMeter(meter);
		QuotaWindow validWindow = requireWindow(window);
		change(actor, QuotaInvalidation.plan(name), (now) -> {
			QuotaRow old = this.store.planQuota(name, validMeter, validWindow)
				.orElseThrow(() -> new DefinitionNotFoundException(
						"quota of " + validMeter + " per " + validWindow.id() + " on plan '" + name + "'"));
			this.store.deletePlanQuota(name, validMeter, validWindow);
			this.store.audit(now, actor, "delete-plan-quota",
					"plan:" + name + "/" + validMeter + "/" + validWindow.id(), old.describe(), null);
		});
	}

	/**
	 * Assigns a tenant its plan and exempt flag.
	 * @param actor who changes it
	 * @param tenantId the tenant
	 * @param change the assignment
	 */
	public void putTenant(String actor, @Nullable String tenantId, TenantChange change) {
		String tenant = requireTenant(tenantId);
		if (change.plan() != null) {
			requireText("plan", change.plan(), 64);
		}
		change(actor, QuotaInvalidation.tenant(tenant), (now) -> {
			if (change.plan() != null) {
				requirePlan(change.plan(), "plan");
			}
			Optional<TenantRow> old = this.store.tenant(tenant);
			TenantRow row = new TenantRow(tenant, change.plan(), change.exempt(),
					old.map(TenantRow::parentId).orElse(null), old.map(TenantRow::billingAttribution).orElse(null));
			this.store.saveTenant(row, old.isPresent(), now);
			this.store.audit(now, actor, "put-tenant", "tenant:" + tenant, old.map(TenantRow::describe).orElse(null),
					row.describe());
		});
	}

	/**
	 * Deletes a tenant's row and quota rows: its configured definitions apply again.
	 * @param actor who changes it
	 * @param tenantId the tenant
	 */
	public void deleteTenant(String actor, @Nullable String tenantId) {
		String tenant = requireTenant(tenantId);
		change(actor, QuotaInvalidation.tenant(tenant), (now) -> {
			Optional<TenantRow> old = this.store.tenant(tenant);
			List<QuotaRow> quotas = this.store.tenantQuotas(tenant);
			if (old.isEmpty() && quotas.isEmpty()) {
				throw new DefinitionNotFoundException("tenant '" + tenant + "' in the database");
			}
			this.store.deleteTenant(tenant);
			this.store.audit(now, actor, "delete-tenant", "tenant:" + tenant,
					old.map(TenantRow::describe).orElse("") + " quotas=" + quotas.size(), null);
		});
	}

	/**
	 * Sets a tenant's own quota of one meter and window: it replaces its plan's.
	 * @param actor who changes it
	 * @param tenantId the tenant
	 * @param change the quota ({@code limit} 0 cuts it off)
	 */
	public void putTenantQuota(String actor, @Nullable String tenantId, QuotaChange change) {
		String tenant = requireTenant(tenantId);
		QuotaRow row = validate(change);
		change(actor, QuotaInvalidation.tenant(tenant), (now) -> {
			Optional<QuotaRow> old = this.store.tenantQuota(tenant, row.meter(), row.window());
			this.store.saveTenantQuota(tenant, row, old.isPresent(), now);
			this.store.audit(now, actor, "put-tenant-quota",
					"tenant:" + tenant + "/" + row.meter() + "/" + row.window().id(),
					old.map(QuotaRow::describe).orElse(null), row.describe());
		});
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
		String tenant = requireTenant(tenantId);
		String validMeter = requireMeter(meter);
		QuotaWindow validWindow = requireWindow(window);
		change(actor, QuotaInvalidation.tenant(tenant), (now) -> {
			QuotaRow old = this.store.tenantQuota(tenant, validMeter, validWindow)
				.orElseThrow(() -> new DefinitionNotFoundException(
						"quota of " + validMeter + " per " + validWindow.id() + " on tenant '" + tenant + "'"));
			this.store.deleteTenantQuota(tenant, validMeter, validWindow);
			this.store.audit(now, actor, "delete-tenant-quota",
					"tenant:" + tenant + "/" + validMeter + "/" + validWindow.id(), old.describe(), null);
		});
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

	private static QuotaRow validate(QuotaChange change) {
		String meter = requireMeter(change.meter());
		QuotaWindow window = requireWindow(change.window());
		BigDecimal limit = change.limit();
		if (limit == null || limit.signum() < 0) {
			throw new InvalidDefinitionException("limit", limit, "a limit is required and must not be negative");
		}
		if (limit.precision() - limit.scale() > 29 || limit.scale() > 9) {
			throw new InvalidDefinitionException("limit", limit, "at most 29 digits before the point and 9 after");
		}
		Enforcement enforcement;
		try {
			enforcement = (change.enforcement() != null) ? Enforcement.of(change.enforcement()) : Enforcement.HARD;
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidDefinitionException("enforcement", change.enforcement(), "use hard, soft or monitor");
		}
		Double threshold = change.softThreshold();
		if (threshold != null && !(threshold > 0 && threshold <= 1)) {
			throw new InvalidDefinitionException("soft-threshold", threshold,
					"a fraction of the limit greater than 0 and at most 1, e.g. 0.8");
		}
		return new QuotaRow(meter, window, limit.stripTrailingZeros(), enforcement, threshold);
	}

	private static String requireMeter(@Nullable String meter) {
		if (meter == null || !UsageEventValidator.isValidMeterName(meter)) {
			throw new InvalidDefinitionException("meter", meter,
					"a meter name is required and must match [a-z0-9][a-z0-9._-]*");
		}
		return meter;
	}

	private static QuotaWindow requireWindow(@Nullable String window) {
		try {
			return QuotaWindow.of(window);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidDefinitionException("window", window, "use hour, day or month (UTC calendar periods)");
		}
	}

	private static String requirePlanName(@Nullable String plan) {
		if (plan == null || !PLAN_NAME.matcher(plan).matches()) {
			throw new InvalidDefinitionException("plan", plan,
					"a plan name is required and must match [a-z0-9][a-z0-9._-]*, at most 64 characters");
		}
		return plan;
	}

	private static String requireTenant(@Nullable String tenantId) {
		String tenant = requireText("tenant", tenantId, MAX_TENANT_ID);
		if (tenant.chars().anyMatch(Character::isISOControl)) {
			throw new InvalidDefinitionException("tenant", tenantId, "must not contain control characters");
		}
		return tenant;
	}

	private static String requireText(String field, @Nullable String value, int maxLength) {
		if (!StringUtils.hasText(value) || value.length() > maxLength) {
			throw new InvalidDefinitionException(field, value,
					"required, at most " + maxLength + " characters");
		}
		return value;
	}

}
