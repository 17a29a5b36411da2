package dev.metering.grant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

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

	private final Executor executor;

	/** Counts evictions: balances worked out before one are not served after it. */
	private final AtomicLong generation = new AtomicLong();

	/** The loads in progress, one per scope. */
	private final ConcurrentHashMap<String, Loading> loading = new ConcurrentHashMap<>();

	/** The scopes whose balances are being worked out again in the background. */
	private final Set<String> reloading = ConcurrentHashMap.newKeySet();

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
		this.executor = executor;
		this.balances = Caffeine.newBuilder().maximumSize(maximumSize).build();
	}

	@Override
	public TenantQuotas quotasOf(String scope) {
		TenantQuotas quotas = super.quotasOf(scope);
		long nowMillis = this.clock.millis();
		long generation = this.generation.get();
		// A warm tenant's balances are in its slot: no second cache look-up, nothing allocated.
		int slot = slotOf(scope);
		Balances held = this.recent[slot];
		if (held != null && held.base == quotas && nowMillis < held.validUntilMillis && held.generation == generation
				&& held.scope.equals(scope)) {
			return held.quotas;
		}
		held = this.balances.getIfPresent(scope);
		if (held != null && held.generation == generation && nowMillis < held.changesAtMillis) {
			if (held.base == quotas && nowMillis < held.validUntilMillis) {
				this.recent[slot] = held;
				return held.quotas;
			}
			// Only the TTL is up (no grant started or ended, nothing evicted since): the balances
			// serve while one reload works them out again, as the definitions' own do.
			if (this.reloading.add(scope)) {
				try {
					this.executor.execute(() -> {
						try {
							load(scope, super.quotasOf(scope), this.generation.get());
						}
						catch (RuntimeException ex) {
							logger.warn("Could not work out the balances of '" + scope + "' again: " + ex.getMessage());
						}
						finally {
							this.reloading.remove(scope);
						}
					});
				}
				catch (RuntimeException ex) {
					this.reloading.remove(scope);
				}
			}
			return held.quotas;
		}
		return load(scope, quotas, generation);
	}

	/**
	 * Works a scope's balances out, once at a time per scope: the checks that need them meanwhile
	 * wait for that one load (of the same generation) rather than each reading the grants and the
	 * ledger.
	 */
	private TenantQuotas load(String scope, TenantQuotas quotas, long generation) {
		Loading mine = new Loading(generation, new CompletableFuture<>());
		Loading running = this.loading.putIfAbsent(scope, mine);
		if (running != null && running.generation == generation) {
			return running.result.join().quotas;
		}
		if (running != null) {
			// A load started before an eviction: its result may miss the change; not waited for.
			mine = new Loading(generation, new CompletableFuture<>());
		}
		try {
			Balances held = this.balances.getIfPresent(scope);
			Instant now = this.clock.instant();
			Map<String, Enforcement> backed = this.grants.grantBacked(scope);
			Balances fresh;
			if (backed.isEmpty() || quotas.exempt()) {
				// Asked again when the definitions are (a plan change evicts them), or after the TTL.
				long until = now.plus(this.ttl).toEpochMilli();
				fresh = new Balances(scope, quotas, quotas, until, until, generation);
			}
			else {
				fresh = balances(scope, quotas, backed, now, held, generation);
			}
			if (this.generation.get() == generation) {
				this.balances.put(scope, fresh);
				this.recent[slotOf(scope)] = fresh;
			}
			mine.result.complete(fresh);
			return fresh.quotas;
		}
		catch (RuntimeException ex) {
			mine.result.completeExceptionally(ex);
			throw ex;
		}
		finally {
			this.loading.remove(scope, mine);
		}
	}

	private static int slotOf(String scope) {
		int h = scope.hashCode();
		return (h ^ (h >>> 16)) & (RECENT_SLOTS - 1);
	}

	private Balances balances(String scope, TenantQuotas base, Map<String, Enforcement> backed, Instant now,
			@Nullable Balances held, long generation) {
		Map<String, List<QuotaPolicy>> byMeter = new LinkedHashMap<>(base.byMeter());
		// Without a bus, another instance's grant is seen when the definitions' TTL is up.
		Instant monthEnd = QuotaWindow.MONTH.bounds(now).end();
		Instant changesAt = monthEnd;
		try {
			for (Map.Entry<String, Enforcement> meter : backed.entrySet()) {
				GrantService.WindowLimit limit = this.grants.windowLimit(scope, meter.getKey(), now);
				changesAt = limit.validUntil().isBefore(changesAt) ? limit.validUntil() : changesAt;
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
			return (held != null) ? new Balances(scope, held.base, held.quotas, retry, retry, generation)
					: new Balances(scope, base, base, retry, retry, generation);
		}
		Instant validUntil = now.plus(this.ttl).isBefore(changesAt) ? now.plus(this.ttl) : changesAt;
		Instant monthStart = QuotaWindow.MONTH.start(now);
		if (now.isBefore(monthStart.plus(SETTLING)) && now.plus(SETTLING_REREAD).isBefore(validUntil)) {
			validUntil = now.plus(SETTLING_REREAD);
			// The last month's usage still arriving: read again before anything else serves.
			changesAt = validUntil;
		}
		// The scope's calendar stays: its other quotas' days and months are its own.
		return new Balances(scope, base, new TenantQuotas(scope, base.exempt(), byMeter, base.calendar()),
				validUntil.toEpochMilli(), changesAt.toEpochMilli(), generation);
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
		this.generation.incrementAndGet();
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
		this.generation.incrementAndGet();
		super.evictAll();
		this.balances.invalidateAll();
		Arrays.fill(this.recent, null);
	}

	@Override
	public CompletableFuture<Void> refreshAll() {
		// Changes may have been missed: balances are read again on their next use.
		this.generation.incrementAndGet();
		this.balances.invalidateAll();
		Arrays.fill(this.recent, null);
		return super.refreshAll();
	}

	/**
	 * A tenant's definitions with its balance policies, for the definitions they were made from.
	 * @param validUntilMillis when they are worked out again (epoch millis of the clock); until
	 * {@code changesAtMillis} they serve meanwhile
	 * @param changesAtMillis when a grant starts or ends, or the month does: from then on they
	 * no longer serve
	 * @param generation the evictions before they were worked out: an eviction since makes them
	 * stale
	 */
	private record Balances(String scope, TenantQuotas base, TenantQuotas quotas, long validUntilMillis,
			long changesAtMillis, long generation) {
	}

	/** A load of a scope's balances in progress, of a generation. */
	private record Loading(long generation, CompletableFuture<Balances> result) {
	}

}
