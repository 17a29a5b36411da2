package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import javax.sql.DataSource;

import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.billing.BillingCredits;
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

	/** The one recurrence: each UTC calendar month. */
	public static final String MONTH = "month";

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
		Instant now = this.clock.instant();
		Grant grant = GrantInput.validate(actor, request, now);
		String tenant = grant.tenantId();
		if (grant.isMoney()) {
			refuseHardBacked(grant);
		}
		this.transactions.executeWithoutResult((status) -> {
			this.store.insert(grant);
			this.store.audit(now, actor, "create-grant", GrantInput.target(grant), null, GrantInput.describe(grant));
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
		GrantInput.requireActor(actor);
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
			this.store.audit(now, actor, "void-grant", GrantInput.target(grant), GrantInput.describe(grant), null);
			// A recurring grant's next month, when renewed already, stops with it.
			String next = GrantRenewer.renewalId(grantId);
			for (Grant renewal = this.store.find(next).orElse(null); renewal != null && renewal.voidedAt() == null
					&& this.store.voidGrant(renewal.id(), now); renewal = this.store.find(next).orElse(null)) {
				this.store.audit(now, actor, "void-grant", GrantInput.target(renewal), GrantInput.describe(renewal), null);
				next = GrantRenewer.renewalId(renewal.id());
			}
			return true;
		});
		if (!Boolean.TRUE.equals(voided)) {
			throw new DefinitionNotFoundException("grant '" + grantId + "'");
		}
		this.publish.accept(QuotaInvalidation.tenant(grant.tenantId()));
		return grant.voided(now);
	}

	/**
	 * A money grant admits no usage: a hard grant-backed meter's budget is units, leased exactly
	 * across instances, and money is units only at a flat unit price, which tiers, packages and
	 * included quantities break. Listing such a meter is refused rather than silently never paid.
	 */
	private void refuseHardBacked(Grant grant) {
		Map<String, Enforcement> backedMeters = this.backed.of(grant.tenantId());
		for (String meter : grant.meters()) {
			if (backedMeters.get(meter) == Enforcement.HARD) {
				throw new InvalidDefinitionException("meters", grant.meters(), "'" + meter
						+ "' is a hard grant-backed meter of the tenant: its budget is in units, so a money grant "
						+ "cannot back it; give it a grant of units");
			}
		}
	}

	/**
	 * A tenant's grants (of units and of money), oldest first.
	 * @param tenant the tenant
	 * @return its grants of every meter
	 */
	public List<Grant> grantsOf(String tenant) {
		return this.store.ofTenant(tenant);
	}

	/**
	 * A tenant's balances of units now: one per meter it has grants of units of or that is
	 * grant-backed for it (money grants: {@link MoneyGrants#balancesOf}).
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

	GrantStore store() {
		return this.store;
	}

	TransactionOperations transactions() {
		return this.transactions;
	}

	void published(String tenant) {
		this.publish.accept(QuotaInvalidation.tenant(tenant));
	}

	GrantBurnDown burnDown(String tenant, String meter, List<Grant> grants, Instant until, Instant... cuts) {
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
			// Money grants pay charges, not units: no balance of units counts them.
			if (!grant.isMoney()) {
				byMeter.computeIfAbsent(grant.meter(), (m) -> new ArrayList<>()).add(grant);
			}
		}
		return byMeter;
	}

	private static String state(Grant grant, GrantBurnDown burnDown, Instant now) {
		return state(grant, burnDown.remaining(grant), now);
	}

	/** A grant's state at an instant with what it has left: voided, pending, expired, depleted or active. */
	static String state(Grant grant, BigDecimal remaining, Instant now) {
		if (grant.voidedAt() != null && !grant.voidedAt().isAfter(now)) {
			return "voided";
		}
		if (grant.effectiveAt().isAfter(now)) {
			return "pending";
		}
		if (grant.expiresAt() != null && !grant.expiresAt().isAfter(now)) {
			return "expired";
		}
		return (remaining.signum() <= 0) ? "depleted" : "active";
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
