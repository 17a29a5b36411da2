package dev.metering.quota;

import java.time.Duration;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

/**
 * Quota definitions through a Caffeine cache: a definition older than the TTL is reloaded in the
 * background on its next use while the old one keeps serving.
 */
public class CachedQuotaDefinitions implements QuotaDefinitionSource {

	private final LoadingCache<String, TenantQuotas> cache;

	/**
	 * Creates the cache.
	 * @param source where definitions come from
	 * @param ttl how long a definition serves before it is reloaded
	 * @param maximumSize the most tenants kept
	 * @param executor runs background reloads
	 */
	public CachedQuotaDefinitions(QuotaDefinitionSource source, Duration ttl, long maximumSize, Executor executor) {
		this.cache = Caffeine.newBuilder()
			.maximumSize(maximumSize)
			.refreshAfterWrite(ttl)
			.executor(executor)
			.build(source::quotasOf);
	}

	@Override
	public TenantQuotas quotasOf(String scope) {
		return this.cache.get(scope);
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

	/** Forgets every definition (a plan changed, or invalidations may have been missed). */
	public void evictAll() {
		this.cache.invalidateAll();
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
