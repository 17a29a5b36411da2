package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Decides whether a scope lineage may use a quantity of a meter now, and reserves it.
 * <p>
 * <b>Usage in a window</b> = ledger reading (cached, {@link LedgerReadings}) + what this instance
 * knows the reading does not contain ({@link LocalUsage}): events in the writer's buffer or batch
 * in flight, events committed after the reading was taken, and reservations of calls in progress.
 * <p>
 * <b>Why it is exact on one instance (never under, and over only transiently):</b>
 * <ol>
 * <li>The writer tells {@link LocalUsage} about an event <em>before</em> it enters the buffer,
 * and about a batch before its insert starts and after it commits. A committed event moves from
 * "local" to "committed with sequence n" under the same monitor a check holds, so a check sees
 * it exactly once, on one side or the other.</li>
 * <li>A reading records the writer sequence {@code s} before the read, and is clean when no batch
 * was in flight at its start or end and the sequence did not move: then it contains exactly the
 * batches numbered up to {@code s}, and the check adds only those numbered after. A read that
 * overlapped a batch is retried; if it stays ambiguous, the overlapping batches are added again
 * from memory, which can only over-count until the next clean refresh.</li>
 * <li>The check computes usage, compares with every hard limit and reserves the quantity while
 * holding the (scope, meter) monitor, so concurrent calls serialise on it and cannot pass a hard
 * limit together. The reservation stays until the call's event is accepted by the writer, and
 * then turns into local usage in the same monitor ({@link Reservation#recordWith}): the unit is
 * never counted twice or not at all; or it is given back when the call fails.</li>
 * <li>A write that failed but may have committed, a retried duplicate, or an idempotency-key
 * duplicate is counted again from memory: over-counted, never under-counted, until the next
 * clean reading replaces the estimate with the ledger's exact sum.</li>
 * </ol>
 * Other instances' usage is seen when readings refresh ({@code metering.cache.usage-ttl}); the
 * one-instance guarantee is what is exact. Lineage: every scope of the lineage (the tenant first)
 * is checked against its own quotas; reservations taken at earlier scopes are given back when a
 * later scope denies.
 */
public class QuotaEnforcementService {

	private static final Log logger = LogFactory.getLog(QuotaEnforcementService.class);

	private final QuotaDefinitionSource definitions;

	private final LedgerReadings readings;

	private final LocalUsage local;

	private final Clock clock;

	private final OnUnknownUsage onUnknownUsage;

	private final ApplicationEventPublisher events;

	private final QuotaObserver observer;

	/**
	 * Creates the service.
	 * @param definitions the quota definitions (cached)
	 * @param readings ledger usage readings
	 * @param local this instance's usage not in the readings
	 * @param clock the clock that places checks in windows
	 * @param onUnknownUsage what to do when a reading cannot be taken
	 * @param events where warning events go
	 * @param observer metrics
	 */
	public QuotaEnforcementService(QuotaDefinitionSource definitions, LedgerReadings readings, LocalUsage local,
			Clock clock, OnUnknownUsage onUnknownUsage, ApplicationEventPublisher events, QuotaObserver observer) {
		this.definitions = definitions;
		this.readings = readings;
		this.local = local;
		this.clock = clock;
		this.onUnknownUsage = onUnknownUsage;
		this.events = events;
		this.observer = observer;
	}

	/**
	 * Checks a tenant without parents: {@link #check(List, String, BigDecimal, Instant)} now.
	 * @param tenant the tenant
	 * @param meter the meter
	 * @param quantity the quantity the call will use
	 * @return the decision; release its reservation once the usage is recorded
	 */
	public QuotaDecision check(String tenant, String meter, long quantity) {
		return check(List.of(tenant), meter, BigDecimal.valueOf(quantity), this.clock.instant());
	}

	/**
	 * Checks a call and, unless denied, reserves its quantity at every scope of the lineage.
	 * @param lineage the scopes, the tenant first, then its ancestors
	 * @param meter the meter
	 * @param quantity the quantity the call will use
	 * @param at when the call happens (the instant its usage event will carry)
	 * @return the decision; release its reservation once the usage is recorded or the call fails
	 */
	public QuotaDecision check(List<String> lineage, String meter, BigDecimal quantity, Instant at) {
		return check(lineage, meter, quantity, at, false);
	}

	/**
	 * Checks that something of every hard quota is left, for a call whose quantity is known only
	 * after it ran (a {@code @Metered} quantity over {@code #result}). Reserves nothing: the call
	 * records its real quantity afterwards.
	 * @param lineage the scopes, the tenant first, then its ancestors
	 * @param meter the meter
	 * @param at when the call happens
	 * @return the decision: denied when a hard quota of the lineage has nothing left
	 */
	public QuotaDecision checkRemaining(List<String> lineage, String meter, Instant at) {
		return check(lineage, meter, BigDecimal.ZERO, at, true);
	}

	private QuotaDecision check(List<String> lineage, String meter, BigDecimal quantity, Instant at,
			boolean requireRemaining) {
		if (lineage.isEmpty()) {
			throw new IllegalArgumentException("lineage must name at least the tenant");
		}
		String tenant = lineage.get(0);
		List<PolicyUsage> all = new ArrayList<>();
		List<PolicyUsage> violated = new ArrayList<>();
		List<Reservation.Part> reserved = new ArrayList<>();
		List<QuotaWarningEvent> warnings = new ArrayList<>();
		boolean known = true;
		boolean warn = false;
		for (String scope : lineage) {
			List<QuotaPolicy> policies = this.definitions.quotasOf(scope).policies(meter);
			if (policies.isEmpty()) {
				continue;
			}
			ScopeCheck result = checkScope(scope, meter, quantity, at, policies, requireRemaining);
			all.addAll(result.usages());
			known &= result.known();
			if (!result.known() && this.onUnknownUsage == OnUnknownUsage.DENY) {
				violated.addAll(result.usages());
				break;
			}
			if (!result.violated().isEmpty()) {
				violated.addAll(result.violated());
				break;
			}
			if (result.reservation() != null) {
				reserved.add(result.reservation());
			}
			warnings.addAll(result.warnings());
			warn |= result.warn();
		}
		QuotaDecision decision;
		if (all.isEmpty()) {
			decision = QuotaDecision.unlimited(tenant, meter, quantity);
		}
		else if (!violated.isEmpty()) {
			Reservation taken = new Reservation(reserved);
			taken.release();
			decision = new QuotaDecision(QuotaDecision.Outcome.DENY, tenant, meter, quantity, latestReset(violated),
					all, violated.stream().map((p) -> p.policy().name()).toList(), known, Reservation.NONE);
		}
		else {
			decision = new QuotaDecision(warn ? QuotaDecision.Outcome.WARN : QuotaDecision.Outcome.ALLOW, tenant, meter,
					quantity, leastRemaining(all), all, List.of(), known, new Reservation(reserved));
		}
		if (!all.isEmpty()) {
			this.observer.checked(decision);
		}
		for (QuotaWarningEvent warning : warnings) {
			this.observer.warned(warning);
			this.events.publishEvent(warning);
		}
		return decision;
	}

	/**
	 * The clock the service places calls in windows with.
	 * @return the clock
	 */
	public Clock getClock() {
		return this.clock;
	}

	private ScopeCheck checkScope(String scope, String meter, BigDecimal quantity, Instant at,
			List<QuotaPolicy> policies, boolean requireRemaining) {
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
			reserve = violated.isEmpty() && (known || this.onUnknownUsage == OnUnknownUsage.ALLOW);
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
						if (usage.firstWarning(policy.name(), starts[i])) {
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
		Reservation.Part part = reserve ? new Reservation.Part(usage, hour, quantity) : null;
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

	private static PolicyUsage state(QuotaPolicy policy, String scope, BigDecimal used, Instant start, Instant end,
			boolean exceeded) {
		BigDecimal remaining = policy.limit().subtract(used).max(BigDecimal.ZERO);
		return new PolicyUsage(policy, scope, used, remaining, start, end, exceeded);
	}

	private static PolicyUsage latestReset(List<PolicyUsage> violated) {
		PolicyUsage latest = violated.get(0);
		for (PolicyUsage p : violated) {
			if (p.reset().isAfter(latest.reset())) {
				latest = p;
			}
		}
		return latest;
	}

	private static PolicyUsage leastRemaining(List<PolicyUsage> all) {
		PolicyUsage least = null;
		for (PolicyUsage p : all) {
			boolean enforced = p.policy().enforcement() != Enforcement.MONITOR;
			if (least == null || (enforced && (least.policy().enforcement() == Enforcement.MONITOR
					|| p.remaining().compareTo(least.remaining()) < 0))) {
				least = p;
			}
		}
		return least;
	}

	private record ScopeCheck(List<PolicyUsage> usages, List<PolicyUsage> violated, boolean known,
			Reservation.@Nullable Part reservation, List<QuotaWarningEvent> warnings, boolean warn) {
	}

}
