package dev.metering.grant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaDefinitionSource;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.quota.TenantQuotas;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The quota definitions with a balance policy per grant-backed meter: a policy on the calendar
 * month (UTC) whose limit is {@link GrantService#windowLimit}, so the month's usage taken off it
 * is the balance, leased and enforced as any hard (or soft) quota: never overdrawn on any number
 * of instances.
 * <p>
 * A balance is worked out again when the bus evicts the tenant (a grant created or voided on any
 * instance), after the definitions' TTL, and at once when it stops holding: a grant starts or
 * ends, or the month does. In the
 * first minute of a month it is worked out again every few seconds, so the last month's usage
 * still in the writers' buffers at its end is counted once it is written.
 */
public class GrantBalanceDefinitions extends CachedQuotaDefinitions {

	private static final Log logger = LogFactory.getLog(GrantBalanceDefinitions.class);

	private static final Duration SETTLING = Duration.ofMinutes(1);

	private static final Duration SETTLING_REREAD = Duration.ofSeconds(5);

	private static final Duration RETRY = Duration.ofSeconds(1);

	private final GrantService grants;

	private final Clock clock;

	private final Duration ttl;

	private final Cache<String, Balances> balances;

	/**
	 * Creates the definitions.
	 * @param source where definitions come from
	 * @param configured the configured definitions (when the source fails), or {@code null}
	 * @param ttl how long a definition serves before it is reloaded
	 * @param maximumSize the most tenants kept
	 * @param executor runs background reloads
	 * @param grants the grants
	 * @param clock the clock
	 */
	public GrantBalanceDefinitions(QuotaDefinitionSource source, @Nullable QuotaDefinitionSource configured,
			Duration ttl, long maximumSize, Executor executor, GrantService grants, Clock clock) {
		super(source, configured, ttl, maximumSize, executor);
		this.grants = grants;
		this.clock = clock;
		this.ttl = ttl;
		this.balances = Caffeine.newBuilder().maximumSize(maximumSize).build();
	}

	@Override
	public TenantQuotas quotasOf(String scope) {
		TenantQuotas quotas = super.quotasOf(scope);
		Instant now = this.clock.instant();
		Balances held = this.balances.getIfPresent(scope);
		if (held != null && held.base == quotas && now.isBefore(held.validUntil)) {
			return held.quotas;
		}
		Map<String, Enforcement> backed = this.grants.grantBacked(scope);
		if (backed.isEmpty() || quotas.exempt()) {
			// Asked again when the definitions are (a plan change evicts them), or after the TTL.
			this.balances.put(scope, new Balances(quotas, quotas, now.plus(this.ttl)));
			return quotas;
		}
		Balances fresh = balances(scope, quotas, backed, now, held);
		this.balances.put(scope, fresh);
		return fresh.quotas;
	}

	private Balances balances(String scope, TenantQuotas base, Map<String, Enforcement> backed, Instant now,
			@Nullable Balances held) {
		Map<String, List<QuotaPolicy>> byMeter = new LinkedHashMap<>(base.byMeter());
		// Without a bus, another instance's grant is seen when the definitions' TTL is up.
		Instant monthEnd = QuotaWindow.MONTH.bounds(now).end();
		Instant validUntil = now.plus(this.ttl).isBefore(monthEnd) ? now.plus(this.ttl) : monthEnd;
		try {
			for (Map.Entry<String, Enforcement> meter : backed.entrySet()) {
				GrantService.WindowLimit limit = this.grants.windowLimit(scope, meter.getKey(), now);
				validUntil = limit.validUntil().isBefore(validUntil) ? limit.validUntil() : validUntil;
				List<QuotaPolicy> policies = new ArrayList<>(byMeter.getOrDefault(meter.getKey(), List.of()));
				policies.add(new QuotaPolicy(scope + "-" + meter.getKey() + "-grants", meter.getKey(), limit.limit(),
						QuotaWindow.MONTH, meter.getValue(), null, Map.of(), true));
				byMeter.put(meter.getKey(), policies);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not read the grants of '" + scope + "' (" + ex.getMessage() + ")"
					+ ((held != null) ? "; the balances read before serve" : "; its grant-backed meters are not limited"));
			Instant retry = now.plus(RETRY);
			return (held != null) ? new Balances(held.base, held.quotas, retry) : new Balances(base, base, retry);
		}
		Instant monthStart = QuotaWindow.MONTH.start(now);
		if (now.isBefore(monthStart.plus(SETTLING)) && now.plus(SETTLING_REREAD).isBefore(validUntil)) {
			validUntil = now.plus(SETTLING_REREAD);
		}
		return new Balances(base, new TenantQuotas(scope, base.exempt(), byMeter), validUntil);
	}

	/**
	 * A balance stops holding at an instant (a grant starts or ends), not only when evicted:
	 * every check looks every level up.
	 * @return {@link #UNVERSIONED}
	 */
	@Override
	public long version() {
		return UNVERSIONED;
	}

	@Override
	public void evict(String scope) {
		super.evict(scope);
		this.balances.invalidate(scope);
	}

	@Override
	public void evictAll() {
		super.evictAll();
		this.balances.invalidateAll();
	}

	@Override
	public CompletableFuture<Void> refreshAll() {
		// Changes may have been missed: balances are read again on their next use.
		this.balances.invalidateAll();
		return super.refreshAll();
	}

	/** A tenant's definitions with its balance policies, for the definitions they were made from. */
	private record Balances(TenantQuotas base, TenantQuotas quotas, Instant validUntil) {
	}

}
