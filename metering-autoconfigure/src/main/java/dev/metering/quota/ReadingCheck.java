package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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
	 * Checks the policies and, unless {@code denied} already or one of them denies, reserves.
	 */
	ScopeCheck check(String scope, String meter, BigDecimal quantity, Instant at, List<QuotaPolicy> policies,
			boolean requireRemaining, boolean denied) {
		int n = policies.size();
		LedgerReadings.Reading[] readings = new LedgerReadings.Reading[n];
		Instant[] starts = new Instant[n];
		Instant[] ends = new Instant[n];
		boolean known = true;
		for (int i = 0; i < n; i++) {
			QuotaPolicy policy = policies.get(i);
			QuotaWindow.Bounds bounds = policy.window().bounds(at);
			starts[i] = bounds.start();
			ends[i] = bounds.end();
			try {
				// Outside the monitor: a cold miss reads the database, and must not hold others up.
				readings[i] = this.readings.get(new LedgerReadings.Key(scope, meter, policy.window(), starts[i]));
			}
			catch (RuntimeException ex) {
				known = false;
				if (logger.isWarnEnabled()) {
					logger.warn("Usage of '" + scope + "', meter '" + meter + "' could not be read (" + ex.getMessage()
							+ "); metering.quota.on-unknown-usage=" + this.onUnknownUsage.name().toLowerCase());
				}
			}
		}
		long hour = MeterUsage.hourOf(at);
		List<PolicyUsage> usages = new ArrayList<>(n);
		List<PolicyUsage> violated = new ArrayList<>(1);
		List<QuotaWarningEvent> warnings = new ArrayList<>(0);
		boolean warn = false;
		boolean reserve;
		MeterUsage usage = this.local.meter(scope, meter);
		synchronized (usage) {
			if (usage.retired) {
				// Swept away between the look-up and the monitor: start over on the live one.
				return check(scope, meter, quantity, at, policies, requireRemaining, denied);
			}
			BigDecimal[] used = new BigDecimal[n];
			for (int i = 0; i < n; i++) {
				LedgerReadings.Reading reading = readings[i];
				BigDecimal ledger = (reading != null) ? reading.value() : BigDecimal.ZERO;
				long sequence = (reading != null) ? reading.sequence() : -1;
				used[i] = ledger.add(usage.unread(epochHour(starts[i]), epochHour(ends[i]), sequence));
				QuotaPolicy policy = policies.get(i);
				// Unknown usage never denies here: under 'deny' the caller denies the whole call.
				if (policy.enforcement() == Enforcement.HARD && reading != null
						&& exceeds(used[i], quantity, policy.limit(), requireRemaining)) {
					violated.add(state(policy, scope, used[i], starts[i], ends[i], true));
				}
			}
			reserve = !denied && violated.isEmpty() && (known || this.onUnknownUsage == OnUnknownUsage.ALLOW);
			if (reserve) {
				usage.reserve(hour, quantity);
				for (int i = 0; i < n; i++) {
					QuotaPolicy policy = policies.get(i);
					BigDecimal after = used[i].add(quantity);
					boolean exceeded = after.compareTo(policy.limit()) > 0;
					usages.add(state(policy, scope, after, starts[i], ends[i], exceeded));
					boolean pastWarning = readings[i] != null && (policy.softThreshold() != null
							|| policy.enforcement() != Enforcement.HARD) && after.compareTo(policy.warnAt()) > 0;
					if (pastWarning) {
						warn |= policy.enforcement() != Enforcement.MONITOR;
						if (usage.firstWarning(policy.name(), starts[i], ends[i])) {
							warnings.add(new QuotaWarningEvent(scope, meter, policy, after, policy.limit(), starts[i],
									ends[i]));
						}
					}
				}
			}
			else {
				for (int i = 0; i < n; i++) {
					usages.add(state(policies.get(i), scope, used[i], starts[i], ends[i],
							used[i].add(quantity).compareTo(policies.get(i).limit()) > 0));
				}
			}
			prune(usage, readings, starts, ends);
		}
		Reservation.Part part = reserve
				? new Reservation.Part(scope, meter, usage, hour, quantity, List.of(), null) : null;
		return new ScopeCheck(usages, violated, known, part, warnings, warn);
	}

	private static boolean exceeds(BigDecimal used, BigDecimal quantity, BigDecimal limit, boolean requireRemaining) {
		return requireRemaining ? used.compareTo(limit) >= 0 : used.add(quantity).compareTo(limit) > 0;
	}

	/**
	 * Forgets what the readings of this check contain. Checks are for the present (the filter
	 * passes the request's start), so a window's reading is consulted for all of its hours until
	 * the window ends; a later window's reading is always newer.
	 */
	private static void prune(MeterUsage usage, LedgerReadings.Reading[] readings, Instant[] starts, Instant[] ends) {
		int n = readings.length;
		long[] from = new long[n];
		long[] to = new long[n];
		long[] sequences = new long[n];
		for (int i = 0; i < n; i++) {
			if (readings[i] == null) {
				return;
			}
			from[i] = epochHour(starts[i]);
			to[i] = epochHour(ends[i]);
			sequences[i] = readings[i].sequence();
		}
		usage.prune(from, to, sequences);
	}

	private static long epochHour(Instant instant) {
		return MeterUsage.hourOf(instant);
	}

	static PolicyUsage state(QuotaPolicy policy, String scope, BigDecimal used, Instant start, Instant end,
			boolean exceeded) {
		BigDecimal remaining = policy.limit().subtract(used).max(BigDecimal.ZERO);
		return new PolicyUsage(policy, scope, used, remaining, start, end, exceeded);
	}

}
