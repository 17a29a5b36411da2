package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

import dev.metering.tenant.BillingCalendar;
import org.jspecify.annotations.Nullable;

/**
 * The policies of one (scope, meter), as {@link TenantQuotas#policies} hands them out: an
 * immutable list that also carries what a check would otherwise work out on every call: the
 * split into hard and reading-decided policies, each policy's warning level, and the cache keys
 * (lease budget, ledger reading) of the current window. Built once per definition load, so a
 * definition changed at runtime (a new {@link TenantQuotas}) brings new ones at once.
 */
final class MeterPolicies extends AbstractList<QuotaPolicy> implements RandomAccess {

	private static final QuotaPolicy[] NONE = new QuotaPolicy[0];

	final String scope;

	final String meter;

	/** Every policy, in order. */
	final QuotaPolicy[] all;

	/** The hard policies, admitted from leased budgets when leases are on. */
	final QuotaPolicy[] hard;

	/** The soft and monitor policies: always decided on ledger readings. */
	final QuotaPolicy[] onReadings;

	/** The hard policies with a soft threshold: their leases decide, their warning is on readings. */
	final QuotaPolicy[] hardWarned;

	/**
	 * The indexes in {@link #all} of every policy, of {@link #hard}, {@link #onReadings} and
	 * {@link #hardWarned}: a check reaches each policy's cached window and keys by index, not by
	 * searching the list for the policy at every step.
	 */
	final int[] allAt;

	final int[] hardAt;

	final int[] onReadingsAt;

	final int[] hardWarnedAt;

	/** The policies limited to a dimension value: admitted per event ({@link QuotaAdmissions}). */
	final QuotaPolicy[] filtered;

	/** The policies without a filter, with their own parts: this list itself when none is filtered. */
	final MeterPolicies plain;

	/** Each policy's warning level ({@link QuotaPolicy#warnAt()}), by index in {@link #all}. */
	private final BigDecimal[] warnAt;

	/** The keys of the window each policy is in now, by index in {@link #all}; replaced at roll-over. */
	private final @Nullable WindowKeys[] keys;

	/**
	 * The budget each hard policy's last take came from, by index in {@link #all}: the next take
	 * uses it while it is live rather than looking its window up ({@link HardQuotaBudgets#take}).
	 */
	private final HardQuotaBudgets.@Nullable Budget[] budgets;

	/** The scope's calendar: where its day and month windows start. */
	final BillingCalendar calendar;

	/** The window each policy is in now, by index in {@link #all}; replaced at roll-over. */
	private final QuotaWindow.@Nullable Bounds[] bounds;

	/**
	 * The local usage of this (scope, meter) as last looked up, with the tracker it is of: a
	 * check of a lineage finds each level's usage here rather than in the tracker's map. A
	 * usage the tracker swept away is retired, which the check sees under its monitor and looks
	 * the live one up again.
	 */
	private volatile @Nullable LocalSlot local;

	/** The readings a check of a lineage holds between checks, by index in {@link #all}. */
	private final @Nullable HeldReading[] readings;

	MeterPolicies(String scope, String meter, List<QuotaPolicy> policies, BillingCalendar calendar) {
		this.scope = scope;
		this.meter = meter;
		this.calendar = calendar;
		this.all = policies.toArray(NONE);
		List<QuotaPolicy> hard = new ArrayList<>();
		List<QuotaPolicy> rest = new ArrayList<>();
		List<QuotaPolicy> hardWarned = new ArrayList<>();
		this.warnAt = new BigDecimal[this.all.length];
		this.keys = new WindowKeys[this.all.length];
		this.bounds = new QuotaWindow.Bounds[this.all.length];
		this.budgets = new HardQuotaBudgets.Budget[this.all.length];
		this.readings = new HeldReading[this.all.length];
		for (int i = 0; i < this.all.length; i++) {
			QuotaPolicy policy = Objects.requireNonNull(this.all[i], "policy");
			((policy.enforcement() == Enforcement.HARD) ? hard : rest).add(policy);
			if (policy.enforcement() == Enforcement.HARD && policy.softThreshold() != null) {
				hardWarned.add(policy);
			}
			this.warnAt[i] = policy.warnAt();
		}
		List<QuotaPolicy> filtered = new ArrayList<>();
		List<QuotaPolicy> unfiltered = new ArrayList<>();
		for (QuotaPolicy policy : this.all) {
			(policy.filter().isEmpty() ? unfiltered : filtered).add(policy);
		}
		this.filtered = filtered.toArray(NONE);
		if (this.filtered.length > 0) {
			// Leases and readings count every event of the meter: only the unfiltered policies go to them.
			hard.removeIf((policy) -> !policy.filter().isEmpty());
			rest.removeIf((policy) -> !policy.filter().isEmpty());
			hardWarned.removeIf((policy) -> !policy.filter().isEmpty());
			this.plain = new MeterPolicies(scope, meter, unfiltered, calendar);
		}
		else {
			this.plain = this;
		}
		this.hard = hard.toArray(NONE);
		this.onReadings = rest.toArray(NONE);
		this.hardWarned = hardWarned.toArray(NONE);
		this.allAt = indexesOf(this.all);
		this.hardAt = indexesOf(this.hard);
		this.onReadingsAt = indexesOf(this.onReadings);
		this.hardWarnedAt = indexesOf(this.hardWarned);
	}

	private int[] indexesOf(QuotaPolicy[] policies) {
		int[] indexes = new int[policies.length];
		for (int i = 0; i < policies.length; i++) {
			indexes[i] = indexOf(policies[i]);
		}
		return indexes;
	}

	@Override
	public QuotaPolicy get(int index) {
		return this.all[index];
	}

	@Override
	public int size() {
		return this.all.length;
	}

	/** The warning level of a policy of this list (computed once). */
	BigDecimal warnAt(QuotaPolicy policy) {
		int i = indexOf(policy);
		return (i >= 0) ? this.warnAt[i] : policy.warnAt();
	}

	/** The warning level of the policy at index {@code i} of {@link #all}. */
	BigDecimal warnAt(int i) {
		return this.warnAt[i];
	}

	/**
	 * The window of a policy that contains an instant, in the scope's calendar: cached per policy,
	 * so a check within the current window (almost every one) allocates nothing.
	 */
	QuotaWindow.Bounds bounds(QuotaPolicy policy, Instant at) {
		int i = indexOf(policy);
		return (i >= 0) ? bounds(i, at) : policy.window().bounds(at, calendarOf(policy));
	}

	/** {@link #bounds(QuotaPolicy, Instant)} of the policy at index {@code i} of {@link #all}. */
	QuotaWindow.Bounds bounds(int i, Instant at) {
		QuotaWindow.Bounds bounds = this.bounds[i];
		if (bounds == null || at.isBefore(bounds.start()) || !at.isBefore(bounds.end())) {
			QuotaPolicy policy = this.all[i];
			bounds = policy.window().bounds(at, calendarOf(policy));
			// A racy publication of an immutable object: at worst another thread computes its own.
			this.bounds[i] = bounds;
		}
		return bounds;
	}

	/** The end of a policy's window that starts at {@code start}, in the scope's calendar. */
	Instant end(QuotaPolicy policy, Instant start) {
		return policy.window().end(start, calendarOf(policy));
	}

	/** A grant balance's window is a UTC month whatever the scope's calendar, as its grants' balances are. */
	private BillingCalendar calendarOf(QuotaPolicy policy) {
		return policy.grantBalance() ? BillingCalendar.UTC : this.calendar;
	}

	/** The lease key of a policy's window that starts at {@code start}, cached for the window. */
	HardQuotaBudgets.WindowKey leaseKey(QuotaPolicy policy, Instant start) {
		return keys(policy, start).lease;
	}

	/** The lease key of the window starting at {@code start} of the policy at index {@code i}. */
	HardQuotaBudgets.WindowKey leaseKey(int i, Instant start) {
		return keys(i, start).lease;
	}

	/** The budget the last take of the policy at index {@code i} came from, {@code null} before one. */
	HardQuotaBudgets.@Nullable Budget budget(int i) {
		return this.budgets[i];
	}

	/** Keeps the budget a take of the policy at index {@code i} came from, for the next take. */
	void budget(int i, HardQuotaBudgets.Budget budget) {
		if (this.budgets[i] != budget) {
			// A racy publication of a budget the leases made: at worst another thread's is kept.
			this.budgets[i] = budget;
		}
	}

	/** The reading key of the window starting at {@code start} of the policy at index {@code i}. */
	LedgerReadings.Key readingKey(int i, Instant start) {
		return keys(i, start).reading;
	}

	/** The reading key of a policy's window that starts at {@code start}, cached for the window. */
	LedgerReadings.Key readingKey(QuotaPolicy policy, Instant start) {
		return keys(policy, start).reading;
	}

	private WindowKeys keys(QuotaPolicy policy, Instant start) {
		int i = indexOf(policy);
		return (i >= 0) ? keys(i, start) : newKeys(policy, start);
	}

	private WindowKeys keys(int i, Instant start) {
		WindowKeys keys = this.keys[i];
		if (keys == null || !keys.start.equals(start)) {
			keys = newKeys(this.all[i], start);
			// A racy publication of an immutable object: at worst another thread builds its own.
			this.keys[i] = keys;
		}
		return keys;
	}

	private WindowKeys newKeys(QuotaPolicy policy, Instant start) {
		Instant end = end(policy, start);
		return new WindowKeys(start, new HardQuotaBudgets.WindowKey(this.scope,
				policy.grantBalance() ? HardQuotaBudgets.WindowKey.grantMeter(this.meter) : this.meter,
				policy.window(), start, end), new LedgerReadings.Key(this.scope, this.meter, policy.window(), start, end));
	}

	@Override
	public int indexOf(Object o) {
		for (int i = 0; i < this.all.length; i++) {
			if (this.all[i] == o) {
				return i;
			}
		}
		return super.indexOf(o);
	}

	/** Whether this list belongs to a (scope, meter): a source may hand out quotas under another scope. */
	boolean isOf(String scope, String meter, BillingCalendar calendar) {
		return this.scope.equals(scope) && this.meter.equals(meter) && this.calendar.equals(calendar);
	}

	/**
	 * The policies of a scope's meter with their precomputed parts: those of the definitions
	 * when they are a {@link MeterPolicies} of that (scope, meter), else built for this call.
	 */
	static MeterPolicies of(String scope, String meter, List<QuotaPolicy> policies, BillingCalendar calendar) {
		if (policies instanceof MeterPolicies known && known.isOf(scope, meter, calendar)) {
			return known;
		}
		return new MeterPolicies(scope, meter, policies, calendar);
	}

	/** This (scope, meter)'s usage in {@code tracker}: the one last looked up unless it was swept away. */
	MeterUsage localUsage(LocalUsage tracker) {
		LocalSlot slot = this.local;
		if (slot != null && slot.tracker == tracker && !slot.usage.retired) {
			return slot.usage;
		}
		MeterUsage usage = tracker.meter(this.scope, this.meter);
		// A racy publication of an immutable pair: at worst another thread looks up its own.
		this.local = new LocalSlot(tracker, usage);
		return usage;
	}

	/**
	 * The reading of the policy at index {@code i}'s window as a check of a lineage holds it
	 * between checks: the cache's at most {@link LineagePlans#REVALIDATE_NANOS} ago, unless the
	 * readings were invalidated since, the window rolled over, or the local usage it was taken
	 * with is another now (swept away). What makes it safe to count with:
	 * {@link MeterUsage#prunedPast}, checked under the usage's monitor.
	 * @param key the window's reading key (cached per window, so compared by identity)
	 * @param usage the scope's local usage as the check looked it up
	 * @return the reading, from the cache when the one held no longer serves
	 */
	LedgerReadings.Reading heldReading(int i, LedgerReadings.Key key, LedgerReadings readings, MeterUsage usage,
			long nowNanos) {
		HeldReading held = this.readings[i];
		// Read before the cache: an invalidation after it makes the reading taken here stale.
		long invalidations = readings.invalidations();
		if (held != null && held.key == key && held.usage == usage && held.source == readings
				&& held.invalidations == invalidations && nowNanos - held.atNanos < LineagePlans.REVALIDATE_NANOS) {
			return held.reading;
		}
		LedgerReadings.Reading reading = readings.get(key);
		// A racy publication of an immutable record: at worst another thread's is kept.
		this.readings[i] = new HeldReading(readings, key, reading, usage, invalidations, nowNanos);
		return reading;
	}

	/** Forgets the readings held: the next check takes the cache's. */
	void forgetHeldReadings() {
		Arrays.fill(this.readings, null);
	}

	private record LocalSlot(LocalUsage tracker, MeterUsage usage) {
	}

	private record HeldReading(LedgerReadings source, LedgerReadings.Key key, LedgerReadings.Reading reading,
			MeterUsage usage, long invalidations, long atNanos) {
	}

	private record WindowKeys(Instant start, HardQuotaBudgets.WindowKey lease, LedgerReadings.Key reading) {
	}

}
