package dev.metering.admin;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

/**
 * The runtime definitions as enforcement reads them for a tenant it has not seen before, without
 * a query per tenant: the set of tenants that have any row (a tenant row or a tenant quota) is
 * read in one statement and kept, so a tenant outside it is answered "no rows" from memory; a
 * plan's quotas are kept per plan. Both serve for the definitions TTL and are reloaded in the
 * background after it; every change made through the kit (which publishes an invalidation after
 * its commit) forgets them at once, and a reconnected bus reads them again in the background. Above
 * {@value #MAXIMUM_INDEXED} tenants with rows the set is not kept and each tenant is read alone.
 * <p>
 * The admin's writes read the tables directly, never through this.
 */
final class CachedDefinitionReads {

	static final int MAXIMUM_INDEXED = 100_000;

	private final JdbcRuntimeDefinitions rows;

	/** The tenants with rows; empty when there are too many to keep. */
	private final LoadingCache<Boolean, Optional<Set<String>>> tenantsWithRows;

	private final LoadingCache<String, List<QuotaRow>> planQuotas;

	/** Whether any quota row has thresholds (the threshold watcher collects nothing while none has). */
	private final LoadingCache<Boolean, Boolean> anyThresholds;

	/** Every runtime feature value (a small table), by {@code plan:<name>} or {@code tenant:<id>}. */
	private final LoadingCache<Boolean, Map<String, Map<String, String>>> features;

	CachedDefinitionReads(JdbcRuntimeDefinitions rows, Duration ttl) {
		this(rows, ttl, MAXIMUM_INDEXED);
	}

	CachedDefinitionReads(JdbcRuntimeDefinitions rows, Duration ttl, int maximumIndexed) {
		this.rows = rows;
		Duration expiry = ttl.multipliedBy(2);
		this.tenantsWithRows = Caffeine.newBuilder()
			.refreshAfterWrite(ttl)
			.expireAfterWrite(expiry)
			.build(keepingOnFailedReload((all) -> Optional.ofNullable(rows.tenantsWithRows(maximumIndexed))));
		this.planQuotas = Caffeine.newBuilder()
			.maximumSize(10_000)
			.refreshAfterWrite(ttl)
			.expireAfterWrite(expiry)
			.build(keepingOnFailedReload(rows::planQuotas));
		this.anyThresholds = Caffeine.newBuilder()
			.refreshAfterWrite(ttl)
			.expireAfterWrite(expiry)
			.build(keepingOnFailedReload((all) -> rows.anyThresholds()));
		this.features = Caffeine.newBuilder()
			.refreshAfterWrite(ttl)
			.expireAfterWrite(expiry)
			.build(keepingOnFailedReload((all) -> rows.features().all()));
	}

	/**
	 * A background reload that fails keeps the value (the quota definitions above log and count
	 * failures); a load on the caller's thread that fails throws, so the definitions read from it
	 * fall back to what they held and are read again soon.
	 */
	private static <K, V> CacheLoader<K, V> keepingOnFailedReload(Function<K, V> read) {
		return new CacheLoader<>() {

			@Override
			public V load(K key) {
				return read.apply(key);
			}

			@Override
			public V reload(K key, V oldValue) {
				try {
					return read.apply(key);
				}
				catch (RuntimeException ex) {
					return oldValue;
				}
			}

		};
	}

	Optional<TenantRow> tenant(String tenantId) {
		return mayHaveRows(tenantId) ? this.rows.tenant(tenantId) : Optional.empty();
	}

	List<QuotaRow> tenantQuotas(String tenantId) {
		return mayHaveRows(tenantId) ? this.rows.tenantQuotas(tenantId) : List.of();
	}

	List<QuotaRow> planQuotas(String plan) {
		return this.planQuotas.get(plan);
	}

	boolean anyThresholds() {
		return this.anyThresholds.get(Boolean.TRUE);
	}

	Map<String, String> features(String kind, String scope) {
		return this.features.get(Boolean.TRUE).getOrDefault(kind + ":" + scope, Map.of());
	}

	private boolean mayHaveRows(String tenantId) {
		Optional<Set<String>> indexed = this.tenantsWithRows.get(Boolean.TRUE);
		return indexed.isEmpty() || indexed.get().contains(tenantId);
	}

	void forget() {
		this.tenantsWithRows.invalidateAll();
		this.planQuotas.invalidateAll();
		this.features.invalidateAll();
		this.anyThresholds.invalidateAll();
	}

	/** Reads what is held again in the background; it serves meanwhile, and on if a read fails. */
	CompletableFuture<Void> refresh() {
		return CompletableFuture.allOf(this.tenantsWithRows.refresh(Boolean.TRUE), this.features.refresh(Boolean.TRUE),
				this.anyThresholds.refresh(Boolean.TRUE),
				this.planQuotas.refreshAll(List.copyOf(this.planQuotas.asMap().keySet())));
	}

}
