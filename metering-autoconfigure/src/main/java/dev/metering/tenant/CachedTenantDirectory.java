package dev.metering.tenant;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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

	private final LoadingCache<Boolean, Map<String, List<String>>> children;

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
		this.children = Caffeine.newBuilder()
			.refreshAfterWrite(ttl)
			.executor(executor)
			.build((all) -> childrenOf(source));
	}

	private static Map<String, List<String>> childrenOf(TenantDefinitionSource source) {
		Map<String, List<String>> children = new HashMap<>();
		for (TenantDefinition definition : source.all()) {
			if (definition.parentId() != null) {
				children.computeIfAbsent(definition.parentId(), (parent) -> new ArrayList<>())
					.add(definition.tenantId());
			}
		}
		children.replaceAll((parent, ids) -> List.copyOf(ids));
		return Map.copyOf(children);
	}

	@Override
	public boolean inHierarchy(String tenantId) {
		return lineageOf(tenantId).scopes().size() > 1 || this.children.get(Boolean.TRUE).containsKey(tenantId);
	}

	@Override
	public Set<String> subtreeOf(String scope) {
		Map<String, List<String>> children = this.children.get(Boolean.TRUE);
		if (!children.containsKey(scope)) {
			return Set.of(scope);
		}
		Set<String> subtree = new LinkedHashSet<>();
		Deque<String> pending = new ArrayDeque<>();
		pending.add(scope);
		while (!pending.isEmpty()) {
			String next = pending.poll();
			// A set guards against a cycle in rows changed behind the kit's back.
			if (subtree.add(next)) {
				pending.addAll(children.getOrDefault(next, List.of()));
			}
		}
		return Collections.unmodifiableSet(subtree);
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
		this.children.invalidateAll();
	}

}
