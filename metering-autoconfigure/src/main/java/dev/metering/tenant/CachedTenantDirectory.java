package dev.metering.tenant;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

/**
 * Lineages through a Caffeine cache: a warm lineage is served from memory; one older than the
 * TTL ({@code metering.cache.definitions-ttl}) is reloaded from the source in the background
 * while the old one keeps serving. A change made through the kit's editor clears the cache at
 * once, since it can move a whole subtree.
 */
public class CachedTenantDirectory implements TenantDirectory {

	private final LoadingCache<String, TenantLineage> cache;

	private final LoadingCache<Boolean, Set<String>> parents;

	/**
	 * Creates the directory.
	 * @param source where tenant definitions come from
	 * @param rules the most levels a lineage is followed
	 * @param ttl how long a lineage serves before it is reloaded
	 * @param maximumSize the most lineages kept
	 * @param executor runs background reloads
	 */
	public CachedTenantDirectory(TenantDefinitionSource source, TenantHierarchyRules rules, Duration ttl,
			long maximumSize, Executor executor) {
		this.cache = Caffeine.newBuilder()
			.maximumSize(maximumSize)
			.refreshAfterWrite(ttl)
			.executor(executor)
			.build((tenantId) -> TenantHierarchy.lineage(tenantId, source::find, rules.maxDepth()));
		this.parents = Caffeine.newBuilder()
			.refreshAfterWrite(ttl)
			.executor(executor)
			.build((all) -> parentsOf(source));
	}

	private static Set<String> parentsOf(TenantDefinitionSource source) {
		Set<String> parents = new HashSet<>();
		for (TenantDefinition definition : source.all()) {
			if (definition.parentId() != null) {
				parents.add(definition.parentId());
			}
		}
		return Set.copyOf(parents);
	}

	@Override
	public boolean inHierarchy(String tenantId) {
		return lineageOf(tenantId).scopes().size() > 1 || this.parents.get(Boolean.TRUE).contains(tenantId);
	}

	@Override
	public TenantLineage lineageOf(String tenantId) {
		return this.cache.get(tenantId);
	}

	/**
	 * Forgets every lineage: the next request of each tenant reads its lineage again.
	 */
	public void invalidateAll() {
		this.cache.invalidateAll();
		this.parents.invalidateAll();
	}

}
