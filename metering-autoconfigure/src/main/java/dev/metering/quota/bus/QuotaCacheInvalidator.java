package dev.metering.quota.bus;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.lease.QuotaLeases;

import org.jspecify.annotations.Nullable;

/**
 * Applies invalidations to this instance's caches: a tenant's definitions and usage readings, or
 * every definition when a plan changed (any tenant may be on it). Usage readings of other
 * tenants stay: a plan change does not change usage. When changes may have been missed (the bus
 * reconnected), nothing is evicted: every definition held is read again in the background and
 * serves until then, so the request path never waits for a database that may be failing.
 */
public class QuotaCacheInvalidator implements Consumer<QuotaInvalidation> {

	private final CachedQuotaDefinitions definitions;

	private final @Nullable LedgerReadings readings;

	private final Runnable hierarchyChanged;

	private final @Nullable QuotaLeases leases;

	private final Function<String, List<String>> lineageOf;

	private final Supplier<? extends CompletionStage<?>> refreshAll;

	/**
	 * Creates the invalidator.
	 * @param definitions the definitions cache
	 * @param readings the usage readings cache, or {@code null} without one
	 */
	public QuotaCacheInvalidator(CachedQuotaDefinitions definitions, @Nullable LedgerReadings readings) {
		this(definitions, readings, () -> {
		});
	}

	/**
	 * Creates the invalidator.
	 * @param definitions the definitions cache
	 * @param readings the usage readings cache, or {@code null} without one
	 * @param hierarchyChanged clears the tenant lineages: a tenant's change can move its subtree or
	 * change its exemption
	 */
	public QuotaCacheInvalidator(CachedQuotaDefinitions definitions, @Nullable LedgerReadings readings,
			Runnable hierarchyChanged) {
		this(definitions, readings, hierarchyChanged, null);
	}

	/**
	 * Creates the invalidator.
	 * @param definitions the definitions cache
	 * @param readings the usage readings cache, or {@code null} without one
	 * @param hierarchyChanged clears the tenant lineages: a tenant's change can move its subtree or
	 * change its exemption
	 * @param leases the hard-quota leases, whose budgets and allocations of an invalidated tenant
	 * (its subtree may have changed) are given back and derived again; {@code null} without leases
	 */
	public QuotaCacheInvalidator(CachedQuotaDefinitions definitions, @Nullable LedgerReadings readings,
			Runnable hierarchyChanged, @Nullable QuotaLeases leases) {
		this(definitions, readings, hierarchyChanged, leases, List::of);
	}

	/**
	 * Creates the invalidator.
	 * @param definitions the definitions cache
	 * @param readings the usage readings cache, or {@code null} without one
	 * @param hierarchyChanged clears the tenant lineages
	 * @param leases the hard-quota leases, or {@code null} without leases
	 * @param lineageOf a scope's lineage as this instance knows it (the scope first): the leases
	 * of an invalidated scope's ancestors are given back with its own, since a tenant moved under
	 * the scope counts at them too
	 */
	public QuotaCacheInvalidator(CachedQuotaDefinitions definitions, @Nullable LedgerReadings readings,
			Runnable hierarchyChanged, @Nullable QuotaLeases leases, Function<String, List<String>> lineageOf) {
		this(definitions, readings, hierarchyChanged, leases, lineageOf, definitions::refreshAll);
	}

	/**
	 * Creates the invalidator.
	 * @param definitions the definitions cache
	 * @param readings the usage readings cache, or {@code null} without one
	 * @param hierarchyChanged clears the tenant lineages
	 * @param leases the hard-quota leases, or {@code null} without leases
	 * @param lineageOf a scope's lineage as this instance knows it (the scope first)
	 * @param refreshAll reads every definition held (what is kept of the tables, the lineages,
	 * the quota definitions, in that order) again in the background when changes may have been
	 * missed
	 */
	public QuotaCacheInvalidator(CachedQuotaDefinitions definitions, @Nullable LedgerReadings readings,
			Runnable hierarchyChanged, @Nullable QuotaLeases leases, Function<String, List<String>> lineageOf,
			Supplier<? extends CompletionStage<?>> refreshAll) {
		this.definitions = definitions;
		this.readings = readings;
		this.hierarchyChanged = hierarchyChanged;
		this.leases = leases;
		this.lineageOf = lineageOf;
		this.refreshAll = refreshAll;
	}

	@Override
	public void accept(QuotaInvalidation invalidation) {
		if (invalidation.kind() == QuotaInvalidation.Kind.ALL) {
			this.refreshAll.get();
			return;
		}
		QuotaLeases leases = (invalidation.kind() == QuotaInvalidation.Kind.TENANT) ? this.leases : null;
		if (leases != null) {
			// Before the new lineages are seen: no check admits from a budget of the old subtree after.
			// A change publishes the new parent first, so its ancestors are released here before any
			// lineage under it is.
			leases.release(invalidation.id());
			for (String ancestor : this.lineageOf.apply(invalidation.id())) {
				if (!ancestor.equals(invalidation.id())) {
					leases.release(ancestor);
				}
			}
		}
		// First what the reloads below read from (the hierarchy, and what is kept of the tables).
		this.hierarchyChanged.run();
		switch (invalidation.kind()) {
			case TENANT -> {
				this.definitions.evict(invalidation.id());
				if (this.readings != null) {
					this.readings.invalidateScope(invalidation.id());
				}
				if (leases != null) {
					leases.rederive(invalidation.id());
				}
			}
			case PLAN, ALL -> this.definitions.evictAll();
		}
	}

}
