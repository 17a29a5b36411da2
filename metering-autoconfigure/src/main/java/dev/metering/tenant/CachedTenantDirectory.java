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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.metering.internal.cache.FallbackCache;

import org.jspecify.annotations.Nullable;

/**
 * Lineages through a Caffeine cache: a warm lineage is served from memory; one older than the
 * TTL ({@code metering.cache.definitions-ttl}) is reloaded from the source in the background
 * while the old one keeps serving. A change made through the kit's editor clears the cache at
 * once, since it can move a whole subtree. A load on the request thread that fails (the database
 * unreachable right after such a change) never fails the request: the lineage last read serves,
 * else the one of the configured definitions, and it is read again in the background shortly
 * after.
 */
public class CachedTenantDirectory implements TenantDirectory {

	private final FallbackCache<String, TenantLineage> cache;

	private final FallbackCache<String, BillingCalendar> calendars;

	private final FallbackCache<Boolean, Map<String, List<String>>> children;

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
		this(source, null, rules, ttl, maximumSize, executor);
	}

	/**
	 * Creates the directory.
	 * @param source where tenant definitions come from
	 * @param configured the definitions a tenant never read gets when the source fails (those of
	 * the configuration), or {@code null} to let that failure through
	 * @param rules the most levels a lineage is followed
	 * @param ttl how long a lineage serves before it is reloaded
	 * @param maximumSize the most lineages kept
	 * @param executor runs background reloads
	 */
	public CachedTenantDirectory(TenantDefinitionSource source, @Nullable TenantDefinitionSource configured,
			TenantHierarchyRules rules, Duration ttl, long maximumSize, Executor executor) {
		this.cache = new FallbackCache<>("tenant lineage",
				(tenantId) -> TenantHierarchy.lineage(tenantId, source::find, rules.maxDepth()),
				(configured != null)
						? (tenantId) -> TenantHierarchy.lineage(tenantId, configured::find, rules.maxDepth()) : null,
				ttl, maximumSize, executor);
		this.children = new FallbackCache<>("tenant hierarchy", (all) -> childrenOf(source),
				(configured != null) ? (all) -> childrenOf(configured) : null, ttl, 1, executor);
		this.calendars = new FallbackCache<>("tenant calendar", TenantCalendars.of(source)::calendarOf,
				(configured != null) ? TenantCalendars.of(configured)::calendarOf : null, ttl, maximumSize, executor);
	}

	/**
	 * The calendar of a scope: its own, else its payer's, else UTC; cached like the lineages.
	 * @param scope a tenant or billing scope
	 * @return its calendar
	 */
	public BillingCalendar calendarOf(String scope) {
		return this.calendars.get(scope);
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
		this.calendars.invalidateAll();
	}

	/**
	 * Reads every lineage held again in the background (changes may have been missed); each
	 * serves until its reload is done, and on if it fails.
	 * @return completes when every reload is done
	 */
	public CompletableFuture<Void> refreshAll() {
		return CompletableFuture.allOf(this.children.refreshAll(), this.cache.refreshAll(),
				this.calendars.refreshAll());
	}

	/**
	 * How many reads of the hierarchy failed and were answered with what was held or configured.
	 * @return the count
	 */
	public long loadFailures() {
		return this.cache.loadFailures() + this.children.loadFailures() + this.calendars.loadFailures();
	}

}
