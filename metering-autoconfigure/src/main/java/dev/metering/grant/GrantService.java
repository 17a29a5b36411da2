package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;

import javax.sql.DataSource;

import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.billing.BillingCredits;
import dev.metering.event.UsageEventValidator;
import dev.metering.ledger.MeteringTables;
import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaWindow;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.rollup.UsageReader;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Grants in Java: creates and voids them (validated, audited in the same transaction, then
 * published on the invalidation bus so every instance reads the tenant's balance again), and
 * answers balances, credits applied and the limit of a grant-backed meter's window, all worked
 * out from the grants and the ledger's usage ({@link GrantBurnDown}).
 */
public class GrantService implements BillingCredits {

	/** The priority of a grant created without one. */
	public static final int DEFAULT_PRIORITY = 10;

	private static final BigDecimal MAX_AMOUNT = new BigDecimal("1e20");

	private final GrantStore store;

	private final UsageReader usage;

	private final Consumer<QuotaInvalidation> publish;

	private final GrantBackedMeters backed;

	private final Clock clock;

	private final TransactionOperations transactions;

	/**
	 * Creates the service.
	 * @param dataSource the kit's database
	 * @param tables the kit's table names
	 * @param usage the ledger's usage of a scope (its subtree's in a hierarchy, as quotas read it)
	 * @param publish publishes a change on the invalidation bus (applied here at once)
	 * @param backed the grant-backed meters of each tenant
	 * @param clock the clock
	 */
	public GrantService(DataSource dataSource, MeteringTables tables, UsageReader usage,
			Consumer<QuotaInvalidation> publish, GrantBackedMeters backed, Clock clock) {
		this.store = new GrantStore(dataSource, tables);
		this.usage = usage;
		this.publish = publish;
		this.backed = backed;
		this.clock = clock;
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
	}

	/**
	 * Creates a grant, audited as {@code create-grant} on {@code tenant:<id>/grant/<grant id>}.
	 * @param actor who creates it
	 * @param request the grant
	 * @return the grant created
	 * @throws InvalidDefinitionException naming the field when the request is not valid (nothing
	 * is written then)
	 */
	public Grant create(String actor, NewGrant request) {
		requireActor(actor);
		String tenant = requireTenant(request.tenantId());
		String meter = request.meter();
		if (meter == null || meter.length() > 126 || !UsageEventValidator.isValidMeterName(meter)) {
			throw new InvalidDefinitionException("meter", meter,
					"a meter name is required, at most 126 characters matching [a-z0-9][a-z0-9._-]*");
		}
		BigDecimal amount = request.amount();
		if (amount == null || amount.signum() <= 0 || amount.compareTo(MAX_AMOUNT) >= 0
				|| amount.stripTrailingZeros().scale() > 9) {
			throw new InvalidDefinitionException("amount", amount,
					"a positive number below 1e20 with at most 9 decimal places");
		}
		int priority = (request.priority() != null) ? request.priority() : DEFAULT_PRIORITY;
		if (priority < 0 || priority > 1000) {
			throw new InvalidDefinitionException("priority", priority, "from 0 (burned first) to 1000");
		}
		Instant now = this.clock.instant();
		Instant effective = (request.effectiveAt() != null) ? request.effectiveAt() : now;
		if (request.expiresAt() != null && !request.expiresAt().isAfter(effective)) {
			throw new InvalidDefinitionException("expires_at", request.expiresAt(), "must be after effective_at");
		}
		if (request.description() != null && request.description().length() > 512) {
			throw new InvalidDefinitionException("description", request.description().substring(0, 32) + "...",
					"at most 512 characters");
		}
		BigDecimal stripped = amount.stripTrailingZeros();
		Grant grant = new Grant(UUID.randomUUID().toString(), tenant, meter,
				(stripped.scale() < 0) ? stripped.setScale(0) : stripped, priority, effective, request.expiresAt(),
				null, now, actor, request.description());
		this.transactions.executeWithoutResult((status) -> {
			this.store.insert(grant);
			this.store.audit(now, actor, "create-grant", target(grant), null, describe(grant));
		});
		this.publish.accept(QuotaInvalidation.tenant(tenant));
		return grant;
	}

	/**
	 * Voids a grant from now: what it has left is no longer usable. Audited as {@code void-grant}.
	 * @param actor who voids it
	 * @param grantId the grant's id
	 * @return the grant as voided
	 * @throws DefinitionNotFoundException when no grant has the id or it was voided already
	 */
	public Grant voidGrant(String actor, @Nullable String grantId) {
		requireActor(actor);
		if (grantId == null || grantId.isBlank() || grantId.length() > 36) {
			throw new InvalidDefinitionException("grant", grantId, "a grant id");
		}
		Instant now = this.clock.instant();
		Grant grant = this.store.find(grantId)
			.filter((found) -> found.voidedAt() == null)
			.orElseThrow(() -> new DefinitionNotFoundException("grant '" + grantId + "'"));
		Boolean voided = this.transactions.execute((status) -> {
			if (!this.store.voidGrant(grantId, now)) {
				return false;
			}
			this.store.audit(now, actor, "void-grant", target(grant), describe(grant), null);
			return true;
		});
		if (!Boolean.TRUE.equals(voided)) {
			throw new DefinitionNotFoundException("grant '" + grantId + "'");
		}
		this.publish.accept(QuotaInvalidation.tenant(grant.tenantId()));
		return new Grant(grant.id(), grant.tenantId(), grant.meter(), grant.amount(), grant.priority(),
				grant.effectiveAt(), grant.expiresAt(), now, grant.createdAt(), grant.createdBy(), grant.description());
	}

	/**
	 * A tenant's grants, oldest first.
	 * @param tenant the tenant
	 * @return its grants of every meter
	 */
	public List<Grant> grantsOf(String tenant) {
		return this.store.ofTenant(tenant);
	}

	/**
	 * A tenant's balances now: one per meter it has grants of or that is grant-backed for it.
	 * @param tenant the tenant
	 * @return the balances by meter name
	 */
	public List<MeterBalance> balancesOf(String tenant) {
		Instant now = this.clock.instant();
		Map<String, List<Grant>> byMeter = byMeter(this.store.ofTenant(tenant));
		Map<String, Enforcement> backedMeters = this.backed.of(tenant);
		backedMeters.keySet().forEach((meter) -> byMeter.computeIfAbsent(meter, (m) -> new ArrayList<>()));
		List<MeterBalance> balances = new ArrayList<>();
		byMeter.forEach((meter, grants) -> {
			GrantBurnDown burnDown = burnDown(tenant, meter, grants, through(now));
			List<GrantBalance> each = new ArrayList<>();
			Instant first = grants.stream().map(Grant::effectiveAt).min(Instant::compareTo).orElse(now);
			for (Grant grant : grants) {
				each.add(new GrantBalance(grant, burnDown.used(grant), burnDown.remaining(grant),
						state(grant, burnDown, now)));
			}
			balances.add(new MeterBalance(meter, backedMeters.get(meter), burnDown.balance(),
					burnDown.overageBetween(first, through(now)), each));
		});
		return balances;
	}

	/**
	 * The units a tenant's grants of a meter covered in a period: the credits a bill applies.
	 * @param tenant the tenant (or billing scope)
	 * @param meter the meter
	 * @param from the period's start
	 * @param to the period's end (exclusive)
	 * @return the units, zero without grants
	 */
	@Override
	public BigDecimal creditsApplied(String tenant, String meter, Instant from, Instant to) {
		List<Grant> grants = byMeter(this.store.ofTenant(tenant)).get(meter);
		if (grants == null) {
			return BigDecimal.ZERO;
		}
		Instant now = through(this.clock.instant());
		Instant until = to.isAfter(now) ? now : to;
		if (!until.isAfter(from)) {
			return BigDecimal.ZERO;
		}
		return GrantBurnDown.of(grants, (a, b) -> this.usage.tenantUsage(tenant, meter, a, b), until, from, until)
			.burnedBetween(from, until);
	}

	/**
	 * The limit of a grant-backed meter's window that contains {@code at}, for a balance policy:
	 * the window's usage taken off it is the balance. It holds until {@link WindowLimit#validUntil()}.
	 * @param tenant the tenant
	 * @param meter the meter
	 * @param at now
	 * @return the limit
	 */
	public WindowLimit windowLimit(String tenant, String meter, Instant at) {
		QuotaWindow.Bounds window = QuotaWindow.MONTH.bounds(at);
		List<Grant> grants = byMeter(this.store.ofTenant(tenant)).getOrDefault(meter, List.of());
		GrantBurnDown burnDown = burnDown(tenant, meter, grants, through(at), window.start());
		Instant next = burnDown.nextChange(at);
		Instant validUntil = (next != null && next.isBefore(window.end())) ? next : window.end();
		return new WindowLimit(burnDown.windowLimit(window.start()), validUntil);
	}

	/**
	 * The grant-backed meters of a tenant.
	 * @param tenant the tenant
	 * @return meter to enforcement
	 */
	public Map<String, Enforcement> grantBacked(String tenant) {
		return this.backed.of(tenant);
	}

	/**
	 * The tenants with a grant usable now.
	 * @return their ids
	 */
	List<String> tenantsWithLiveGrants() {
		return this.store.tenantsWithLiveGrants(this.clock.instant());
	}

	Clock clock() {
		return this.clock;
	}

	private GrantBurnDown burnDown(String tenant, String meter, List<Grant> grants, Instant until, Instant... cuts) {
		return GrantBurnDown.of(grants, (a, b) -> this.usage.tenantUsage(tenant, meter, a, b), until, cuts);
	}

	/**
	 * The end of a burn-down up to now: usage that occurred at this very instant counts too (a
	 * frozen or coarse clock stamps events with it).
	 */
	private static Instant through(Instant now) {
		return now.plusMillis(1);
	}

	private static Map<String, List<Grant>> byMeter(List<Grant> grants) {
		Map<String, List<Grant>> byMeter = new TreeMap<>();
		for (Grant grant : grants) {
			byMeter.computeIfAbsent(grant.meter(), (m) -> new ArrayList<>()).add(grant);
		}
		return byMeter;
	}

	private static String state(Grant grant, GrantBurnDown burnDown, Instant now) {
		if (grant.voidedAt() != null && !grant.voidedAt().isAfter(now)) {
			return "voided";
		}
		if (grant.effectiveAt().isAfter(now)) {
			return "pending";
		}
		if (grant.expiresAt() != null && !grant.expiresAt().isAfter(now)) {
			return "expired";
		}
		return (burnDown.remaining(grant).signum() <= 0) ? "depleted" : "active";
	}

	private static String target(Grant grant) {
		return "tenant:" + grant.tenantId() + "/grant/" + grant.id();
	}

	private static String describe(Grant grant) {
		Map<String, Object> fields = new LinkedHashMap<>();
		fields.put("meter", grant.meter());
		fields.put("amount", grant.amount().toPlainString());
		fields.put("priority", grant.priority());
		fields.put("effective-at", grant.effectiveAt());
		if (grant.expiresAt() != null) {
			fields.put("expires-at", grant.expiresAt());
		}
		StringBuilder text = new StringBuilder();
		fields.forEach((name, value) -> text.append((text.length() > 0) ? " " : "").append(name).append('=').append(value));
		return text.toString();
	}

	private static void requireActor(@Nullable String actor) {
		if (actor == null || actor.isBlank() || actor.length() > 256) {
			throw new InvalidDefinitionException("actor", actor, "required, at most 256 characters");
		}
	}

	private static String requireTenant(@Nullable String tenant) {
		if (tenant == null || tenant.isBlank() || tenant.length() > 128
				|| tenant.chars().anyMatch(Character::isISOControl)) {
			throw new InvalidDefinitionException("tenant", tenant,
					"a tenant id is required, at most 128 characters without control characters");
		}
		return tenant;
	}

	/**
	 * The limit of a grant-backed meter's current window.
	 *
	 * @param limit the window's limit
	 * @param validUntil when it must be worked out again (a grant starts or ends, or the window does)
	 */
	public record WindowLimit(BigDecimal limit, Instant validUntil) {
	}

}
