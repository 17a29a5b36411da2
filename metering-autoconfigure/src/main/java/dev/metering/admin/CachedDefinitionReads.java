package dev.metering.admin;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

/**
 * The runtime definitions as enforcement reads them for a tenant it has not seen before, without
 * a query per tenant: the set of tenants that have any row (a tenant row or a tenant quota) is
 * read in one statement and kept, so a tenant outside it is answered "no rows" from memory; a
 * plan's quotas are kept per plan. Both serve for the definitions TTL and are reloaded in the
 * background after it; every invalidation on the bus (and every change made through the kit,
 * which publishes one after its commit) forgets them at once. Above
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

	CachedDefinitionReads(JdbcRuntimeDefinitions rows, Duration ttl) {
		this(rows, ttl, MAXIMUM_INDEXED);
	}

	CachedDefinitionReads(JdbcRuntimeDefinitions rows, Duration ttl, int maximumIndexed) {
		this.rows = rows;
		Duration expiry = ttl.multipliedBy(2);
		this.tenantsWithRows = Caffeine.newBuilder()
			.refreshAfterWrite(ttl)
			.expireAfterWrite(expiry)
			.build((all) -> Optional.ofNullable(rows.tenantsWithRows(maximumIndexed)));
		this.planQuotas = Caffeine.newBuilder()
			.maximumSize(10_000)
			.refreshAfterWrite(ttl)
			.expireAfterWrite(expiry)
			.build(rows::planQuotas);
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

	private boolean mayHaveRows(String tenantId) {
		Optional<Set<String>> indexed = this.tenantsWithRows.get(Boolean.TRUE);
		return indexed.isEmpty() || indexed.get().contains(tenantId);
	}

	void forget() {
		this.tenantsWithRows.invalidateAll();
		this.planQuotas.invalidateAll();
	}

}
