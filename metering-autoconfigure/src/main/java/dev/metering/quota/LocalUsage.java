package dev.metering.quota;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;

import org.jspecify.annotations.Nullable;

import dev.metering.event.HeldUsage;
import dev.metering.internal.cache.ShrinkingMap;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.LedgerWriteListener;

/**
 * This instance's usage that ledger readings may not contain yet, fed by the ledger writer.
 * <p>
 * Every tracked event (one of a scope and meter that has a quota) is counted as local from the
 * moment it is accepted into the writer's buffer, and moved to "committed" with the writer's
 * sequence number once its batch commits. The writer's sequence and the number of batches in
 * flight let {@link LedgerReadings} tell whether a database read saw a batch or not; see
 * {@link QuotaEnforcementService} for the whole argument.
 * <p>
 * Over 350 lines: its bookkeeping (accepted, spooled, committed, swept) shares one monitor, which a
 * split would spread over classes.
 */
public class LocalUsage implements LedgerWriteListener {

	/** Its table shrinks after a sweep left it sparse: memory follows the pairs in use. */
	private final ShrinkingMap<Key, MeterUsage> meters = new ShrinkingMap<>();

	/**
	 * Events counted as local, so each is uncounted exactly once whatever the definitions do
	 * meanwhile: only events in the writer's memory (its capacity and a batch); for events on the
	 * spool's disk, see {@link #spooled}.
	 */
	private final Set<UUID> tracked = ConcurrentHashMap.newKeySet();

	/**
	 * Whether spooled events were counted, as runs per (scope, meter) in the order they were
	 * spooled: a run per change of the definitions, not an entry per event.
	 */
	private final Map<Key, ArrayDeque<SpooledRun>> spooled = new HashMap<>();

	private final AtomicLong sequence = new AtomicLong();

	private final AtomicInteger writesInFlight = new AtomicInteger();

	private final BiPredicate<String, String> hasQuota;

	private final @Nullable HardQuotaBudgets leases;

	private static final long SWEEP_INTERVAL_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

	private final java.util.function.LongSupplier ticker;

	private final java.time.Clock clock;

	private final AtomicLong lastSweepNanos;

	private volatile long retainCommittedNanos = java.util.concurrent.TimeUnit.MINUTES.toNanos(11);

	/**
	 * Creates the tracker.
	 * @param hasQuota whether a (scope, meter) has a quota: only those are tracked
	 */
	public LocalUsage(BiPredicate<String, String> hasQuota) {
		this(hasQuota, null);
	}

	/**
	 * Creates the tracker.
	 * @param hasQuota whether a (scope, meter) has a quota decided on ledger readings: only those
	 * are tracked
	 * @param leases the hard-quota budgets, told about usage recorded without a reservation and
	 * about committed usage; {@code null} without leases
	 */
	public LocalUsage(BiPredicate<String, String> hasQuota, @Nullable HardQuotaBudgets leases) {
		this(hasQuota, leases, java.time.Clock.systemUTC());
	}

	/**
	 * Creates the tracker.
	 * @param hasQuota whether a (scope, meter) has a quota decided on ledger readings
	 * @param leases the hard-quota budgets, or {@code null}
	 * @param clock the clock of the enforcement service, to tell which warned windows ended
	 */
	public LocalUsage(BiPredicate<String, String> hasQuota, @Nullable HardQuotaBudgets leases, java.time.Clock clock) {
		this(hasQuota, leases, System::nanoTime, clock);
	}

	LocalUsage(BiPredicate<String, String> hasQuota, @Nullable HardQuotaBudgets leases,
			java.util.function.LongSupplier ticker, java.time.Clock clock) {
		this.hasQuota = hasQuota;
		this.leases = leases;
		this.ticker = ticker;
		this.clock = clock;
		this.lastSweepNanos = new AtomicLong(ticker.getAsLong());
	}

	@Override
	public void accepted(UsageEvent event) {
		accepted(event, HeldUsage.NONE);
	}

	/**
	 * Counts an accepted event as local and, in the same step, takes over what its call held for
	 * it (the call's {@link Reservation}); usage nothing held is told to the leases.
	 */
	@Override
	public void accepted(UsageEvent event, HeldUsage held) {
		long hour = MeterUsage.hourOf(event.occurredAt());
		boolean covered = false;
		if (this.hasQuota.test(event.tenantId(), event.meter()) && this.tracked.add(event.eventId())) {
			while (true) {
				MeterUsage usage = meter(event.tenantId(), event.meter());
				synchronized (usage) {
					if (usage.retired) {
						continue;
					}
					usage.addLocal(hour, event.quantity());
					// The call's reservation becomes this local usage in the same step.
					covered = held.takeOver(event);
					break;
				}
			}
		}
		else {
			covered = held.takeOver(event);
		}
		if (!covered && this.leases != null) {
			this.leases.unreserved(event);
		}
	}

	/**
	 * Counts an event on the spool's disk only as {@link #accepted} does, without an entry per
	 * event: whether it was counted is kept as runs of a (scope, meter)'s spooled events alike in
	 * that, which {@link #unspooled} reads in the same order.
	 */
	@Override
	public void spooled(UsageEvent event) {
		spooled(event, HeldUsage.NONE);
	}

	@Override
	public void spooled(UsageEvent event, HeldUsage held) {
		long hour = MeterUsage.hourOf(event.occurredAt());
		boolean counted = this.hasQuota.test(event.tenantId(), event.meter());
		boolean covered = false;
		if (counted) {
			while (true) {
				MeterUsage usage = meter(event.tenantId(), event.meter());
				synchronized (usage) {
					if (usage.retired) {
						continue;
					}
					usage.addLocal(hour, event.quantity());
					covered = held.takeOver(event);
					break;
				}
			}
		}
		else {
			covered = held.takeOver(event);
		}
		synchronized (this.spooled) {
			ArrayDeque<SpooledRun> runs = this.spooled.computeIfAbsent(new Key(event.tenantId(), event.meter()),
					(key) -> new ArrayDeque<>(1));
			SpooledRun last = runs.peekLast();
			if (last != null && last.counted == counted) {
				last.events++;
			}
			else {
				runs.addLast(new SpooledRun(counted));
			}
		}
		if (!covered && this.leases != null) {
			this.leases.unreserved(event);
		}
	}

	/**
	 * A spooled event leaves the disk: one counted when spooled is tracked from here on as an
	 * accepted one (a copy of an id already tracked is counted once, as {@link #accepted} does).
	 */
	@Override
	public void unspooled(UsageEvent event) {
		Key key = new Key(event.tenantId(), event.meter());
		boolean counted;
		synchronized (this.spooled) {
			ArrayDeque<SpooledRun> runs = this.spooled.get(key);
			SpooledRun first = (runs != null) ? runs.peekFirst() : null;
			if (first == null) {
				// Not announced as spooled to this listener: nothing was counted.
				return;
			}
			counted = first.counted;
			if (--first.events == 0) {
				runs.pollFirst();
				if (runs.isEmpty()) {
					this.spooled.remove(key);
				}
			}
		}
		if (!counted || this.tracked.add(event.eventId())) {
			return;
		}
		while (true) {
			MeterUsage usage = meter(event.tenantId(), event.meter());
			synchronized (usage) {
				if (usage.retired) {
					continue;
				}
				usage.removeLocal(MeterUsage.hourOf(event.occurredAt()), event.quantity());
				break;
			}
		}
	}

	/**
	 * The (scope, meter) pairs with events on the spool's disk only, for tests and diagnostics.
	 * @return the number of pairs
	 */
	int spooledMeters() {
		synchronized (this.spooled) {
			return this.spooled.size();
		}
	}

	@Override
	public void discarded(UsageEvent event) {
		if (this.tracked.remove(event.eventId())) {
			while (true) {
				MeterUsage usage = meter(event.tenantId(), event.meter());
				synchronized (usage) {
					if (usage.retired) {
						continue;
					}
					usage.removeLocal(MeterUsage.hourOf(event.occurredAt()), event.quantity());
					break;
				}
			}
		}
	}

	@Override
	public void writing(List<UsageEvent> batch) {
		this.writesInFlight.incrementAndGet();
	}

	@Override
	public void written(List<UsageEvent> batch) {
		if (this.leases != null) {
			for (UsageEvent event : batch) {
				this.leases.committed(event);
			}
		}
		// Label the batch with the sequence value it gets below; a reading that starts after the
		// increment (and sees no write in flight) contains it.
		long label = this.sequence.get() + 1;
		// One monitor acquisition per (scope, meter, hour) of the batch, not per event: request
		// threads checking the same tenant contend with this thread for that monitor.
		Map<Key, Map<Long, BigDecimal>> committed = new HashMap<>();
		for (UsageEvent event : batch) {
			if (this.tracked.remove(event.eventId())) {
				committed.computeIfAbsent(new Key(event.tenantId(), event.meter()), (k) -> new HashMap<>(2))
					.merge(MeterUsage.hourOf(event.occurredAt()), event.quantity(), BigDecimal::add);
			}
		}
		long now = this.ticker.getAsLong();
		committed.forEach((key, hours) -> {
			while (true) {
				MeterUsage usage = meter(key.scope(), key.meter());
				synchronized (usage) {
					if (usage.retired) {
						continue;
					}
					hours.forEach((hour, quantity) -> usage.commit(hour, quantity, label, now));
					break;
				}
			}
		});
		this.sequence.incrementAndGet();
		this.writesInFlight.decrementAndGet();
		// The writer thread keeps the state bounded: at most one sweep a minute.
		long last = this.lastSweepNanos.get();
		if (now - last > SWEEP_INTERVAL_NANOS && this.lastSweepNanos.compareAndSet(last, now)) {
			sweep();
		}
	}

	/**
	 * Drops what no check needs any more, so the state is bounded by the (scope, meter) pairs in
	 * use rather than every one ever seen: committed events older than the oldest reading that
	 * can still be served (such readings contain them), and the records of pairs with nothing in
	 * flight and no warning of an open window. The writer runs it once a minute.
	 */
	public void sweep() {
		long now = this.ticker.getAsLong();
		long committedBefore = now - this.retainCommittedNanos;
		long nowMillis = this.clock.millis();
		int seen = 0;
		for (Map.Entry<Key, MeterUsage> entry : this.meters.entrySet()) {
			MeterUsage usage = entry.getValue();
			seen++;
			synchronized (usage) {
				if (!usage.retired && usage.sweep(committedBefore, nowMillis)) {
					usage.retired = true;
					this.meters.remove(entry.getKey(), usage);
				}
			}
		}
		this.meters.shrinkIfSparse(seen);
	}

	/**
	 * How long committed events are kept: at least the age of the oldest reading
	 * {@link LedgerReadings} may serve, plus the longest read.
	 * @param retain the retention
	 */
	void retainCommittedFor(java.time.Duration retain) {
		this.retainCommittedNanos = retain.toNanos();
	}

	/**
	 * The (scope, meter) pairs this instance keeps usage of, for tests and diagnostics.
	 * @return the number of pairs
	 */
	public int trackedMeters() {
		return this.meters.size();
	}

	@Override
	public void failed(List<UsageEvent> batch) {
		// The batch may have committed: readings that overlapped it must not count as clean.
		this.sequence.incrementAndGet();
		this.writesInFlight.decrementAndGet();
	}

	/** Number of batches this instance's writer has finished (committed or failed). */
	long sequence() {
		return this.sequence.get();
	}

	/** Number of batches being written right now. */
	int writesInFlight() {
		return this.writesInFlight.get();
	}

	/** The record of a (scope, meter) if this instance keeps one: a status read creates none. */
	@Nullable MeterUsage existing(String scope, String meter) {
		return this.meters.get(new Key(scope, meter));
	}

	MeterUsage meter(String scope, String meter) {
		return this.meters.computeIfAbsent(new Key(scope, meter), (k) -> new MeterUsage());
	}

	/**
	 * Events accepted and not yet committed or discarded (what the bound on tracked events
	 * counts against).
	 * @return the number of tracked events
	 */
	int trackedEvents() {
		return this.tracked.size();
	}

	private record Key(String scope, String meter) {
	}

	private static final class SpooledRun {

		final boolean counted;

		int events = 1;

		SpooledRun(boolean counted) {
			this.counted = counted;
		}

	}

}
