package dev.metering.grant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
 * still in the writers' buffers at its end is counted once it is written. Between those, a check
 * finds a tenant's balances in a small table by its name, kept for the definitions they were made
 * from: no grant is read and no second cache is looked up per request.
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

	private static final int RECENT_SLOTS = 256;

	/**
	 * The balances last used, by a slot of the tenant's name (racy on purpose: a {@link Balances}
	 * is immutable and a lost write costs one look-up in {@link #balances}). Each is used only
	 * for the definitions it was made from and until it must be worked out again.
	 */
	private final @Nullable Balances[] recent = new Balances[RECENT_SLOTS];

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
		long nowMillis = this.clock.millis();
		// A warm tenant's balances are in its slot: no second cache look-up, nothing allocated.
		int slot = slotOf(scope);
		Balances held = this.recent[slot];
		if (held != null && held.base == quotas && nowMillis < held.validUntilMillis && held.scope.equals(scope)) {
			return held.quotas;
		}
		held = this.balances.getIfPresent(scope);
		if (held != null && held.base == quotas && nowMillis < held.validUntilMillis) {
			this.recent[slot] = held;
			return held.quotas;
		}
		Instant now = this.clock.instant();
		Map<String, Enforcement> backed = this.grants.grantBacked(scope);
		Balances fresh;
		if (backed.isEmpty() || quotas.exempt()) {
			// Asked again when the definitions are (a plan change evicts them), or after the TTL.
			fresh = new Balances(scope, quotas, quotas, now.plus(this.ttl).toEpochMilli());
		}
		else {
			fresh = balances(scope, quotas, backed, now, held);
		}
		this.balances.put(scope, fresh);
		this.recent[slot] = fresh;
		return fresh.quotas;
	}

	private static int slotOf(String scope) {
		int h = scope.hashCode();
		return (h ^ (h >>> 16)) & (RECENT_SLOTS - 1);
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
			long retry = now.plus(RETRY).toEpochMilli();
			return (held != null) ? new Balances(scope, held.base, held.quotas, retry)
					: new Balances(scope, base, base, retry);
		}
		Instant monthStart = QuotaWindow.MONTH.start(now);
		if (now.isBefore(monthStart.plus(SETTLING)) && now.plus(SETTLING_REREAD).isBefore(validUntil)) {
			validUntil = now.plus(SETTLING_REREAD);
		}
		// The scope's calendar stays: its other quotas' days and months are its own.
		return new Balances(scope, base, new TenantQuotas(scope, base.exempt(), byMeter, base.calendar()),
				validUntil.toEpochMilli());
	}

	@Override
	public void evict(String scope) {
		super.evict(scope);
		this.balances.invalidate(scope);
		int slot = slotOf(scope);
		Balances held = this.recent[slot];
		if (held != null && held.scope.equals(scope)) {
			this.recent[slot] = null;
		}
	}

	@Override
	public void evictAll() {
		super.evictAll();
		this.balances.invalidateAll();
		Arrays.fill(this.recent, null);
	}

	@Override
	public CompletableFuture<Void> refreshAll() {
		// Changes may have been missed: balances are read again on their next use.
		this.balances.invalidateAll();
		Arrays.fill(this.recent, null);
		return super.refreshAll();
	}

	/**
	 * A tenant's definitions with its balance policies, for the definitions they were made from.
	 * @param validUntilMillis when they must be worked out again (epoch millis of the clock)
	 */
	private record Balances(String scope, TenantQuotas base, TenantQuotas quotas, long validUntilMillis) {
	}

}
