package dev.metering.quota;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.metering.internal.cache.FallbackCache;

import org.jspecify.annotations.Nullable;

/**
 * Quota definitions through a Caffeine cache: a definition older than the TTL is reloaded in the
 * background on its next use while the old one keeps serving. A load on the request thread that
 * fails (the database unreachable right after a change evicted the scope, or for a scope never
 * seen) never fails the check: the definitions last read for the scope serve, else the
 * configured ones, and the scope is read again in the background shortly after.
 */
public class CachedQuotaDefinitions implements QuotaDefinitionSource {

	private final FallbackCache<String, TenantQuotas> cache;

	/**
	 * Creates the cache.
	 * @param source where definitions come from
	 * @param ttl how long a definition serves before it is reloaded
	 * @param maximumSize the most tenants kept
	 * @param executor runs background reloads
	 */
	public CachedQuotaDefinitions(QuotaDefinitionSource source, Duration ttl, long maximumSize, Executor executor) {
		this(source, null, ttl, maximumSize, executor);
	}

	/**
	 * Creates the cache.
	 * @param source where definitions come from
	 * @param configured the definitions of a scope never read when the source fails (those of
	 * the configuration), or {@code null} to let that failure through
	 * @param ttl how long a definition serves before it is reloaded
	 * @param maximumSize the most tenants kept
	 * @param executor runs background reloads
	 */
	public CachedQuotaDefinitions(QuotaDefinitionSource source, @Nullable QuotaDefinitionSource configured,
			Duration ttl, long maximumSize, Executor executor) {
		this.cache = new FallbackCache<>("quota definitions", source::quotasOf,
				(configured != null) ? configured::quotasOf : null, ttl, maximumSize, executor);
	}

	@Override
	public TenantQuotas quotasOf(String scope) {
		return this.cache.get(scope);
	}

	/**
	 * Changes when a scope's definitions or all were evicted (a runtime change, the bus).
	 * @return the number of evictions so far
	 */
	@Override
	public long version() {
		return this.cache.invalidations();
	}

	/**
	 * Whether a scope has a quota on a meter: what the ledger writer's listener tracks.
	 * @param scope the scope
	 * @param meter the meter
	 * @return {@code true} when a check of the meter would consult a quota
	 */
	public boolean hasQuota(String scope, String meter) {
		return !quotasOf(scope).policies(meter).isEmpty();
	}

	/**
	 * Forgets the definitions of one scope: its next use loads them again (a runtime change).
	 * @param scope the scope
	 */
	public void evict(String scope) {
		this.cache.invalidate(scope);
	}

	/** Forgets every definition (a plan changed: any scope may be on it). */
	public void evictAll() {
		this.cache.invalidateAll();
	}

	/**
	 * Reads every definition held again in the background (invalidations may have been missed);
	 * each serves until its reload is done, and on if it fails.
	 * @return completes when every reload is done
	 */
	public CompletableFuture<Void> refreshAll() {
		return this.cache.refreshAll();
	}

	/**
	 * How many reads of definitions failed and were answered with those held or configured.
	 * @return the count
	 */
	public long loadFailures() {
		return this.cache.loadFailures();
	}

	/**
	 * Whether a scope has a soft or monitor quota on a meter: what is decided on ledger readings
	 * when hard quotas are leased.
	 * @param scope the scope
	 * @param meter the meter
	 * @return {@code true} when a check of the meter would consult a reading
	 */
	public boolean hasReadingQuota(String scope, String meter) {
		for (QuotaPolicy policy : quotasOf(scope).policies(meter)) {
			if (policy.enforcement() != Enforcement.HARD || policy.softThreshold() != null) {
				return true;
			}
		}
		return false;
	}

}
