package dev.metering.quota;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.LedgerWriteListener;

/**
 * Makes a tenant's events count at every ancestor of its lineage too: an ancestor's usage is its
 * subtree's. Each event is passed on as itself and, for each ancestor, as a copy scoped to that
 * ancestor (its tenant replaced, with an event id derived from the event's and the ancestor's),
 * so the delegate ({@link LocalUsage}) tracks, reserves and commits the ancestor's share exactly
 * as it does the tenant's own, by the same rules. The ancestors are fixed when the event is
 * accepted and kept until it is written or discarded, so a hierarchy change in between cannot make
 * a copy committed that was never counted.
 */
public final class LineageWriteListener implements LedgerWriteListener {

	private final LedgerWriteListener delegate;

	private final Function<String, List<String>> ancestorsOf;

	private final Map<UUID, List<String>> inFlight = new ConcurrentHashMap<>();

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
		List<String> ancestors = this.ancestorsOf.apply(event.tenantId());
		if (!ancestors.isEmpty()) {
			this.inFlight.put(event.eventId(), ancestors);
		}
		this.delegate.accepted(event);
		for (String ancestor : ancestors) {
			this.delegate.accepted(scoped(event, ancestor));
		}
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

}
