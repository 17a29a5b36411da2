package dev.metering.quota;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.metering.event.HeldUsage;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.LedgerWriteListener;

/**
 * Makes a tenant's events count at every ancestor of its lineage too: an ancestor's usage is its
 * subtree's. Each event is passed on as itself and, for each ancestor, as a copy scoped to that
 * ancestor (its tenant replaced, with an event id derived from the event's and the ancestor's),
 * so the delegate ({@link LocalUsage}) tracks, reserves and commits the ancestor's share exactly
 * as it does the tenant's own, by the same rules. The ancestors are fixed when the event is
 * accepted and kept until it is written or discarded, so a hierarchy change in between cannot make
 * a copy committed that was never counted. For an event on the spool's disk only they are kept as
 * counts per run of a tenant's events with the same ancestors, so a long outage costs memory per
 * tenant and hierarchy change, not per event.
 */
public final class LineageWriteListener implements LedgerWriteListener {

	private final LedgerWriteListener delegate;

	private final Function<String, List<String>> ancestorsOf;

	/** Ancestors of events in the writer's memory (bounded by its capacity), by event id. */
	private final Map<UUID, List<String>> inFlight = new ConcurrentHashMap<>();

	/**
	 * Ancestors of events on the spool's disk only, per tenant as runs of events that had the same
	 * ancestors: spooled and unspooled in the same order, so the oldest run is the next
	 * unspooled event's. A run per hierarchy change, not an entry per event.
	 */
	private final Map<String, ArrayDeque<Run>> spooled = new HashMap<>();

	/**
	 * Creates the listener.
	 * @param delegate the listener that counts usage per scope
	 * @param ancestorsOf a tenant's ancestors, nearest first; empty for a root
	 */
	public LineageWriteListener(LedgerWriteListener delegate, Function<String, List<String>> ancestorsOf) {
		this.delegate = delegate;
		this.ancestorsOf = ancestorsOf;
	}

	@Override
	public void accepted(UsageEvent event) {
		accepted(event, HeldUsage.NONE);
	}

	/** Passes the usage held for the event on with the event and with each ancestor's copy. */
	@Override
	public void accepted(UsageEvent event, HeldUsage held) {
		List<String> ancestors = this.ancestorsOf.apply(event.tenantId());
		if (!ancestors.isEmpty()) {
			this.inFlight.put(event.eventId(), ancestors);
		}
		this.delegate.accepted(event, held);
		for (String ancestor : ancestors) {
			this.delegate.accepted(scoped(event, ancestor), held);
		}
	}

	@Override
	public void spooled(UsageEvent event) {
		spooled(event, HeldUsage.NONE);
	}

	@Override
	public void spooled(UsageEvent event, HeldUsage held) {
		List<String> ancestors = this.ancestorsOf.apply(event.tenantId());
		synchronized (this.spooled) {
			ArrayDeque<Run> runs = this.spooled.computeIfAbsent(event.tenantId(), (tenant) -> new ArrayDeque<>(1));
			Run last = runs.peekLast();
			if (last != null && last.ancestors.equals(ancestors)) {
				last.events++;
			}
			else {
				runs.addLast(new Run(ancestors));
			}
		}
		this.delegate.spooled(event, held);
		for (String ancestor : ancestors) {
			this.delegate.spooled(scoped(event, ancestor), held);
		}
	}

	@Override
	public void unspooled(UsageEvent event) {
		List<String> ancestors;
		synchronized (this.spooled) {
			ArrayDeque<Run> runs = this.spooled.get(event.tenantId());
			Run first = (runs != null) ? runs.peekFirst() : null;
			if (first == null) {
				// Not announced as spooled to this listener (added later): its lineage now.
				ancestors = this.ancestorsOf.apply(event.tenantId());
			}
			else {
				ancestors = first.ancestors;
				if (--first.events == 0) {
					runs.pollFirst();
					if (runs.isEmpty()) {
						this.spooled.remove(event.tenantId());
					}
				}
			}
		}
		if (!ancestors.isEmpty()) {
			this.inFlight.put(event.eventId(), ancestors);
		}
		this.delegate.unspooled(event);
		for (String ancestor : ancestors) {
			this.delegate.unspooled(scoped(event, ancestor));
		}
	}

	/**
	 * Tenants with events on the spool's disk only, for tests and diagnostics.
	 * @return the number of tenants
	 */
	int spooledTenants() {
		synchronized (this.spooled) {
			return this.spooled.size();
		}
	}

	/**
	 * Events in the writer's memory with ancestors, for tests and diagnostics.
	 * @return the number of events
	 */
	int eventsInFlight() {
		return this.inFlight.size();
	}

	@Override
	public void discarded(UsageEvent event) {
		this.delegate.discarded(event);
		List<String> ancestors = this.inFlight.remove(event.eventId());
		if (ancestors != null) {
			for (String ancestor : ancestors) {
				this.delegate.discarded(scoped(event, ancestor));
			}
		}
	}

	@Override
	public void writing(List<UsageEvent> batch) {
		this.delegate.writing(expand(batch, false));
	}

	@Override
	public void written(List<UsageEvent> batch) {
		this.delegate.written(expand(batch, true));
	}

	@Override
	public void failed(List<UsageEvent> batch) {
		this.delegate.failed(expand(batch, false));
	}

	/** The batch with every event's ancestor copies, passed on in one call: one batch stays one batch. */
	private List<UsageEvent> expand(List<UsageEvent> batch, boolean done) {
		if (this.inFlight.isEmpty()) {
			return batch;
		}
		List<UsageEvent> expanded = new ArrayList<>(batch.size());
		for (UsageEvent event : batch) {
			expanded.add(event);
			List<String> ancestors = done ? this.inFlight.remove(event.eventId()) : this.inFlight.get(event.eventId());
			if (ancestors != null) {
				for (String ancestor : ancestors) {
					expanded.add(scoped(event, ancestor));
				}
			}
		}
		return expanded;
	}

	private static UsageEvent scoped(UsageEvent event, String scope) {
		UUID id = UUID.nameUUIDFromBytes((event.eventId() + "/" + scope).getBytes(StandardCharsets.UTF_8));
		return new UsageEvent(id, scope, event.billingScopeId(), event.meter(), event.quantity(), event.occurredAt(),
				event.userId(), event.resource(), event.source(), event.idempotencyKey(), event.dimensions());
	}

	private static final class Run {

		final List<String> ancestors;

		int events = 1;

		Run(List<String> ancestors) {
			this.ancestors = ancestors;
		}

	}

}
