package dev.metering.tenant;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import dev.metering.internal.cache.FallbackCache;

import org.jspecify.annotations.Nullable;

/**
 * Lineages, calendars and children from one snapshot of every tenant definition
 * ({@link TenantSnapshots}): read in bulk, answered from memory (a tenant with no definition,
 * most of them, without any look-up), read again as a whole in the background after the TTL
 * ({@code metering.cache.definitions-ttl}) while the old one serves, and read anew at the next
 * look-up after a change made through the kit's editor or the bus, since it can move a whole
 * subtree. A read that fails never fails a request: the snapshot last read serves, else the one of
 * the configured definitions, and it is read again in the background shortly after.
 * <p>
 * Above {@code metering.hierarchy.snapshot-max-tenants} definitions no snapshot is kept: lineages
 * and calendars are then loaded per tenant into caches of at most
 * {@code metering.hierarchy.maximum-entries}, each reloaded in the background after the TTL.
 */
public class CachedTenantDirectory implements TenantDirectory {

	/** The most definitions held as one snapshot unless configured otherwise. */
	public static final long DEFAULT_SNAPSHOT_MAX_TENANTS = 100_000;

	private final TenantSnapshots snapshots;

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
		this(source, source::all, configured, rules, ttl, maximumSize, DEFAULT_SNAPSHOT_MAX_TENANTS, executor);
	}

	/**
	 * Creates the directory.
	 * @param source where tenant definitions come from, one by one
	 * @param reader reads every definition now, in bulk (not from a copy held elsewhere)
	 * @param configured the definitions a tenant never read gets when the source fails (those of
	 * the configuration), or {@code null} to let that failure through
	 * @param rules the most levels a lineage is followed
	 * @param ttl how long a snapshot (or a lineage) serves before it is read again
	 * @param maximumSize the most lineages kept when they are loaded per tenant
	 * @param snapshotMaxTenants the most definitions held as one snapshot; above, lineages are
	 * loaded per tenant
	 * @param executor runs background reads
	 */
	public CachedTenantDirectory(TenantDefinitionSource source, Supplier<Collection<TenantDefinition>> reader,
			@Nullable TenantDefinitionSource configured, TenantHierarchyRules rules, Duration ttl, long maximumSize,
			long snapshotMaxTenants, Executor executor) {
		this.snapshots = new TenantSnapshots(reader, (configured != null) ? configured::all : null, rules.maxDepth(),
				snapshotMaxTenants, ttl, executor);
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
		TenantSnapshot snapshot = this.snapshots.current();
		return (snapshot != null) ? snapshot.calendarOf(scope) : this.calendars.get(scope);
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
		return lineageOf(tenantId).scopes().size() > 1 || children().containsKey(tenantId);
	}

	private Map<String, List<String>> children() {
		TenantSnapshot snapshot = this.snapshots.current();
		return (snapshot != null) ? snapshot.children() : this.children.get(Boolean.TRUE);
	}

	@Override
	public Set<String> subtreeOf(String scope) {
		Map<String, List<String>> children = children();
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
		TenantSnapshot snapshot = this.snapshots.current();
		return (snapshot != null) ? snapshot.lineageOf(tenantId) : this.cache.get(tenantId);
	}

	/**
	 * Forgets every lineage: the next look-up reads the definitions again.
	 */
	public void invalidateAll() {
		this.snapshots.invalidate();
		this.cache.invalidateAll();
		this.children.invalidateAll();
		this.calendars.invalidateAll();
	}

	/**
	 * Reads the definitions again in the background (changes may have been missed); what is held
	 * serves until the read is done, and on if it fails.
	 * @return completes when every read is done
	 */
	public CompletableFuture<Void> refreshAll() {
		// The per-tenant caches hold nothing while a snapshot serves.
		return CompletableFuture.allOf(this.snapshots.refresh(), this.children.refreshAll(), this.cache.refreshAll(),
				this.calendars.refreshAll());
	}

	/**
	 * How many times every definition was read at once (a snapshot).
	 * @return the count
	 */
	public long snapshotReads() {
		return this.snapshots.reads();
	}

	/**
	 * How many reads of the hierarchy failed and were answered with what was held or configured.
	 * @return the count
	 */
	public long loadFailures() {
		return this.snapshots.loadFailures() + this.cache.loadFailures() + this.children.loadFailures()
				+ this.calendars.loadFailures();
	}

}
