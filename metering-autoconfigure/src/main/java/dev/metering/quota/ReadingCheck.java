package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The check of one scope's quotas on cached ledger readings plus this instance's local usage,
 * under the (scope, meter) monitor: soft and monitor quotas always, hard quotas when they are
 * not leased. See {@link QuotaEnforcementService} for why it is exact on one instance.
 */
final class ReadingCheck {

	private static final Log logger = LogFactory.getLog(QuotaEnforcementService.class);

	private final LedgerReadings readings;

	private final LocalUsage local;

	private final OnUnknownUsage onUnknownUsage;

	ReadingCheck(LedgerReadings readings, LocalUsage local, OnUnknownUsage onUnknownUsage) {
		this.readings = readings;
		this.local = local;
		this.onUnknownUsage = onUnknownUsage;
	}

	/**
	 * Checks the policies of one scope into {@code run} and, unless {@code denied} already or one
	 * of them denies, reserves.
	 * @param policies the indexes in {@code plan.all} of the policies to check
	 * @return what the scope holds for the call, {@code null} when nothing
	 */
	Reservation.@Nullable Part check(LineageCheck run, MeterPolicies plan, int[] policies, BigDecimal quantity,
			Instant at, boolean requireRemaining, boolean denied) {
		MeterUsage usage = reserve(run, plan, policies, quantity, at, requireRemaining, denied);
		return (usage != null) ? new Reservation.Part(plan.scope, plan.meter, usage, MeterUsage.hourOf(at), quantity,
				List.of(), null) : null;
	}

	/**
	 * Checks the policies of one scope into {@code run} and, unless {@code denied} already or one
	 * of them denies, reserves in the scope's local usage.
	 * @param policies the indexes in {@code plan.all} of the policies to check
	 * @return the local usage the quantity is reserved in, {@code null} when nothing is
	 */
	@Nullable MeterUsage reserve(LineageCheck run, MeterPolicies plan, int[] policies, BigDecimal quantity,
			Instant at, boolean requireRemaining, boolean denied) {
		int n = policies.length;
		// The check's own arrays, used by one level after the other: a lineage allocates them once.
		run.holdPolicies(n);
		LedgerReadings.Reading[] readings = run.readings;
		QuotaWindow.Bounds[] bounds = run.bounds;
		// A check of a lineage that read the present once uses the readings held with the policies.
		MeterUsage heldFor = run.timed ? plan.localUsage(this.local) : null;
		boolean known = read(plan, policies, bounds, readings, at, heldFor, run.nowNanos);
		if (!known) {
			run.unknown();
		}
		long hour = MeterUsage.hourOf(at);
		while (true) {
			MeterUsage usage = plan.localUsage(this.local);
			synchronized (usage) {
				if (usage.retired) {
					// Swept away between the look-up and the monitor: start over on the live one.
					continue;
				}
				if (heldFor == null || (usage == heldFor && !prunedPast(usage, readings, n))) {
					boolean reserve = decide(run, plan, policies, usage, quantity, hour, requireRemaining,
							denied || !(known || this.onUnknownUsage == OnUnknownUsage.ALLOW));
					prune(usage, run, n);
					return reserve ? usage : null;
				}
			}
			// A reading held from an earlier check may lack what a later one let the usage forget,
			// or was held with another usage: the cache's readings decide (never older than those).
			plan.forgetHeldReadings();
			heldFor = null;
			if (!read(plan, policies, bounds, readings, at, null, 0) && known) {
				known = false;
				run.unknown();
			}
		}
	}

	/**
	 * Reads the readings of the policies, from the cache or, for a check of a lineage, as held
	 * with the policies; outside any monitor, since a cold miss reads the database.
	 * @return whether every reading could be taken
	 */
	private boolean read(MeterPolicies plan, int[] policies, QuotaWindow.Bounds[] bounds,
			LedgerReadings.Reading[] readings, Instant at, @Nullable MeterUsage heldFor, long nowNanos) {
		boolean known = true;
		for (int i = 0; i < policies.length; i++) {
			int p = policies[i];
			bounds[i] = plan.bounds(p, at);
			readings[i] = null;
			try {
				LedgerReadings.Key key = plan.readingKey(p, bounds[i].start());
				readings[i] = (heldFor != null) ? plan.heldReading(p, key, this.readings, heldFor, nowNanos)
						: this.readings.get(key);
			}
			catch (RuntimeException ex) {
				known = false;
				if (logger.isWarnEnabled()) {
					logger.warn("Usage of '" + plan.scope + "', meter '" + plan.meter + "' could not be read ("
							+ ex.getMessage() + "); metering.quota.on-unknown-usage="
							+ this.onUnknownUsage.name().toLowerCase());
				}
			}
		}
		return known;
	}

	/** Whether the usage forgot committed events one of the readings lacks. */
	private static boolean prunedPast(MeterUsage usage, LedgerReadings.@Nullable Reading[] readings, int n) {
		for (int i = 0; i < n; i++) {
			LedgerReadings.Reading reading = readings[i];
			if (reading != null && usage.prunedPast(reading.sequence())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The warning of hard policies whose leases admitted the call: usage as the readings and this
	 * instance know it, past the soft threshold, warns once per window. A reading that cannot be
	 * taken warns nothing: the leases decided already.
	 */
	void warn(LineageCheck run, MeterPolicies plan, int[] policies, BigDecimal quantity, Instant at) {
		for (int p : policies) {
			QuotaPolicy policy = plan.all[p];
			QuotaWindow.Bounds bounds = plan.bounds(p, at);
			LedgerReadings.Reading reading;
			try {
				reading = this.readings.get(plan.readingKey(p, bounds.start()));
			}
			catch (RuntimeException ex) {
				continue;
			}
			while (true) {
				MeterUsage usage = plan.localUsage(this.local);
				synchronized (usage) {
					if (usage.retired) {
						continue;
					}
					BigDecimal after = reading.value()
						.add(usage.unread(epochHour(bounds.start()), epochHour(bounds.end()), reading.sequence()))
						.add(quantity);
					if (after.compareTo(plan.warnAt(p)) > 0) {
						run.warn = true;
						if (usage.firstWarning(policy.name(), bounds)) {
							run.warning(new QuotaWarningEvent(plan.scope, plan.meter, policy, after, policy.limit(),
									bounds.start(), bounds.end()));
						}
					}
					break;
				}
			}
		}
	}

	/**
	 * A policy's state on its reading and what this instance recorded that the reading does not
	 * contain, for a status read: nothing reserved, nothing warned.
	 * @return {@code null} when the reading cannot be taken
	 */
	@Nullable PolicyUsage status(MeterPolicies plan, QuotaPolicy policy, QuotaWindow.Bounds bounds) {
		LedgerReadings.Reading reading;
		try {
			reading = this.readings.get(plan.readingKey(policy, bounds.start()));
		}
		catch (RuntimeException ex) {
			return null;
		}
		BigDecimal used = reading.value();
		MeterUsage usage = this.local.existing(plan.scope, plan.meter);
		if (usage != null) {
			synchronized (usage) {
				used = used.add(usage.unread(epochHour(bounds.start()), epochHour(bounds.end()), reading.sequence()));
			}
		}
		return state(policy, plan.scope, used, bounds, used.compareTo(policy.limit()) >= 0);
	}

	/** The read-compare-reserve, under the monitor; {@code true} when reserved. */
	private static boolean decide(LineageCheck run, MeterPolicies plan, int[] policies, MeterUsage usage,
			BigDecimal quantity, long hour, boolean requireRemaining, boolean denied) {
		int n = policies.length;
		LedgerReadings.Reading[] readings = run.readings;
		QuotaWindow.Bounds[] bounds = run.bounds;
		// Usage with the call's quantity: computed once, for the comparison and the state alike.
		BigDecimal[] after = run.after;
		boolean violated = false;
		for (int i = 0; i < n; i++) {
			BigDecimal used = used(usage, readings[i], bounds[i]);
			after[i] = (quantity.signum() == 0) ? used : used.add(quantity);
			QuotaPolicy policy = plan.all[policies[i]];
			// Unknown usage never denies here: under 'deny' the caller denies the whole call.
			if (policy.enforcement() == Enforcement.HARD && readings[i] != null
					&& (requireRemaining ? used.compareTo(policy.limit()) >= 0
							: after[i].compareTo(policy.limit()) > 0)) {
				violated = true;
				run.violate(state(policy, plan.scope, used, bounds[i], true));
			}
		}
		if (denied || violated) {
			// Denied (rare): the states show usage without the call, worked out again.
			for (int i = 0; i < n; i++) {
				QuotaPolicy policy = plan.all[policies[i]];
				run.add(state(policy, plan.scope, used(usage, readings[i], bounds[i]), bounds[i],
						after[i].compareTo(policy.limit()) > 0));
			}
			return false;
		}
		usage.reserve(hour, quantity);
		for (int i = 0; i < n; i++) {
			int p = policies[i];
			QuotaPolicy policy = plan.all[p];
			run.add(state(policy, plan.scope, after[i], bounds[i], after[i].compareTo(policy.limit()) > 0));
			boolean pastWarning = readings[i] != null
					&& (policy.softThreshold() != null || policy.enforcement() != Enforcement.HARD)
					&& after[i].compareTo(plan.warnAt(p)) > 0;
			if (pastWarning) {
				run.warn |= policy.enforcement() != Enforcement.MONITOR;
				if (usage.firstWarning(policy.name(), bounds[i])) {
					run.warning(new QuotaWarningEvent(plan.scope, plan.meter, policy, after[i], policy.limit(),
							bounds[i].start(), bounds[i].end()));
				}
			}
		}
		return true;
	}

	/**
	 * Forgets what the readings of this check contain. Checks are for the present (the filter
	 * passes the request's start), so a window's reading is consulted for all of its hours until
	 * the window ends; a later window's reading is always newer. Nothing to do while this
	 * instance has no committed events the readings may contain.
	 */
	/** Usage in a policy's window: its reading and what this instance knows the reading does not contain. */
	private static BigDecimal used(MeterUsage usage, LedgerReadings.@Nullable Reading reading,
			QuotaWindow.Bounds bounds) {
		BigDecimal ledger = (reading != null) ? reading.value() : BigDecimal.ZERO;
		long sequence = (reading != null) ? reading.sequence() : -1;
		BigDecimal unread = usage.unread(epochHour(bounds.start()), epochHour(bounds.end()), sequence);
		return (unread.signum() == 0) ? ledger : ledger.add(unread);
	}

	private static void prune(MeterUsage usage, LineageCheck run, int n) {
		if (!usage.hasCommitted()) {
			return;
		}
		LedgerReadings.Reading[] readings = run.readings;
		QuotaWindow.Bounds[] bounds = run.bounds;
		for (int i = 0; i < n; i++) {
			if (readings[i] == null) {
				return;
			}
		}
		long[] from = new long[n];
		long[] to = new long[n];
		long[] sequences = new long[n];
		for (int i = 0; i < n; i++) {
			from[i] = epochHour(bounds[i].start());
			to[i] = epochHour(bounds[i].end());
			sequences[i] = readings[i].sequence();
		}
		usage.prune(from, to, sequences);
	}

	private static long epochHour(Instant instant) {
		return MeterUsage.hourOf(instant);
	}

	static PolicyUsage state(QuotaPolicy policy, String scope, BigDecimal used, QuotaWindow.Bounds bounds,
			boolean exceeded) {
		BigDecimal limit = policy.limit();
		BigDecimal remaining = (used.compareTo(limit) >= 0) ? BigDecimal.ZERO
				: (used.signum() == 0) ? limit : limit.subtract(used);
		return new PolicyUsage(policy, scope, used, remaining, bounds.start(), bounds.end(), exceeded);
	}

}
