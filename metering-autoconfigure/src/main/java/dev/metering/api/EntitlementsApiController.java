package dev.metering.api;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import dev.metering.entitlement.EntitlementService;
import dev.metering.event.UsageEventValidator;
import dev.metering.grant.GrantService;
import dev.metering.grant.MeterBalance;
import dev.metering.grant.MoneyBalance;
import dev.metering.grant.MoneyGrants;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.UsageReader;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The usage API's entitlements route, under its access rule: a tenant's features and, as
 * metered entitlements, its quotas with their balance in the current window (the ledger's
 * usage, every instance's), and its grants' balances.
 */
@RestController
@RequestMapping("${metering.api.base-path:/api}")
public class EntitlementsApiController {

	private final ApiAccess access;

	private final EntitlementService entitlements;

	private final @Nullable CachedQuotaDefinitions definitions;

	private final @Nullable QuotaEnforcementService quotas;

	private final UsageReader usage;

	private final Clock clock;

	private final @Nullable GrantService grants;

	private final @Nullable MoneyGrants money;

	/**
	 * The route.
	 * @param access who may read which tenant
	 * @param entitlements the features
	 * @param definitions the quota definitions, {@code null} without quota enforcement
	 * @param quotas the quota status, {@code null} without quota enforcement
	 * @param usage the ledger's usage
	 * @param clock the clock
	 */
	public EntitlementsApiController(ApiAccess access, EntitlementService entitlements,
			@Nullable CachedQuotaDefinitions definitions, @Nullable QuotaEnforcementService quotas, UsageReader usage,
			Clock clock) {
		this(access, entitlements, definitions, quotas, usage, clock, null);
	}

	/**
	 * The route with grants' balances.
	 * @param access who may read which tenant
	 * @param entitlements the features
	 * @param definitions the quota definitions, {@code null} without quota enforcement
	 * @param quotas the quota status, {@code null} without quota enforcement
	 * @param usage the ledger's usage
	 * @param clock the clock
	 * @param grants the grants, {@code null} without them
	 */
	public EntitlementsApiController(ApiAccess access, EntitlementService entitlements,
			@Nullable CachedQuotaDefinitions definitions, @Nullable QuotaEnforcementService quotas, UsageReader usage,
			Clock clock, @Nullable GrantService grants) {
		this(access, entitlements, definitions, quotas, usage, clock, grants, null);
	}

	/**
	 * The route, with balances of units and of money.
	 * @param access who may read which tenant
	 * @param entitlements the features
	 * @param definitions the quota definitions, {@code null} without quota enforcement
	 * @param quotas the quota status, {@code null} without quota enforcement
	 * @param usage the ledger's usage
	 * @param clock the clock
	 * @param grants the grants, {@code null} without them
	 * @param money the money grants, {@code null} without them
	 */
	public EntitlementsApiController(ApiAccess access, EntitlementService entitlements,
			@Nullable CachedQuotaDefinitions definitions, @Nullable QuotaEnforcementService quotas, UsageReader usage,
			Clock clock, @Nullable GrantService grants, @Nullable MoneyGrants money) {
		this.grants = grants;
		this.money = money;
		this.access = access;
		this.entitlements = entitlements;
		this.definitions = definitions;
		this.quotas = quotas;
		this.usage = usage;
		this.clock = clock;
	}

	/** A tenant's features and metered entitlements. */
	@GetMapping("/entitlements/{tenant}")
	EntitlementsBody entitlements(HttpServletRequest request, @PathVariable String tenant) {
		if (tenant.isBlank() || tenant.length() > UsageEventValidator.MAX_ID_LENGTH) {
			throw ApiException.badRequest("tenant", "must be 1.." + UsageEventValidator.MAX_ID_LENGTH + " characters");
		}
		this.access.authorize(request, tenant);
		Map<String, EntitlementsBody.FeatureBody> features = new TreeMap<>();
		this.entitlements.featuresOf(tenant)
			.forEach((name, value) -> features.put(name,
					new EntitlementsBody.FeatureBody(value, EntitlementService.entitles(value))));
		Map<String, List<PolicyBody>> metered = new LinkedHashMap<>();
		if (this.definitions != null && this.quotas != null) {
			Instant now = this.clock.instant();
			for (String meter : new TreeMap<>(this.definitions.quotasOf(tenant).byMeter()).keySet()) {
				metered.put(meter, PolicyBody.of(this.quotas.status(List.of(tenant), meter, now).withLedgerUsage(this.usage)));
			}
		}
		Map<String, EntitlementsBody.BalanceBody> balances = new TreeMap<>();
		if (this.grants != null) {
			for (MeterBalance balance : this.grants.balancesOf(tenant)) {
				balances.put(balance.meter(), EntitlementsBody.BalanceBody.of(balance));
			}
		}
		Map<String, EntitlementsBody.MoneyBalanceBody> moneyBalances = new TreeMap<>();
		if (this.money != null) {
			for (MoneyBalance balance : this.money.balancesOf(tenant)) {
				moneyBalances.put(balance.currency(), EntitlementsBody.MoneyBalanceBody.of(balance));
			}
		}
		return new EntitlementsBody(tenant, this.entitlements.planOf(tenant).orElse(null), features, metered,
				balances, moneyBalances);
	}

}
