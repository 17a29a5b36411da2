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

	private final ReadingCheck readingCheck;

	private final @Nullable QuotaLeases leases;

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
		this(definitions, readings, local, null, clock, onUnknownUsage, events, observer);
	}

	/**
	 * Creates the service with hard quotas admitted from leased budgets.
	 * @param definitions the quota definitions (cached)
	 * @param readings ledger usage readings
	 * @param local this instance's usage not in the readings
	 * @param leases hard-quota budgets leased from the database, {@code null} to decide hard
	 * quotas on readings as soft ones (exact on one instance only)
	 * @param clock the clock that places checks in windows
	 * @param onUnknownUsage what to do when a reading cannot be taken
	 * @param events where warning events go
	 * @param observer metrics
	 */
	public QuotaEnforcementService(QuotaDefinitionSource definitions, LedgerReadings readings, LocalUsage local,
			@Nullable QuotaLeases leases, Clock clock, OnUnknownUsage onUnknownUsage,
			ApplicationEventPublisher events, QuotaObserver observer) {
		this.definitions = definitions;
		this.readingCheck = new ReadingCheck(readings, local, onUnknownUsage);
		this.leases = leases;
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
		if (this.leases == null) {
			return this.readingCheck.check(scope, meter, quantity, at, policies, requireRemaining, false);
		}
		List<QuotaPolicy> rest = new ArrayList<>(0);
		List<PolicyUsage> usages = new ArrayList<>(policies.size());
		List<PolicyUsage> violated = new ArrayList<>(0);
		List<QuotaLeases.Take> takes = new ArrayList<>(1);
		boolean known = true;
		for (QuotaPolicy policy : policies) {
			if (policy.enforcement() != Enforcement.HARD) {
				rest.add(policy);
				continue;
			}
			if (!violated.isEmpty() || (!known && this.onUnknownUsage == OnUnknownUsage.DENY)) {
				continue;
			}
			QuotaWindow.Bounds bounds = policy.window().bounds(at);
			QuotaLeases.Take take = this.leases.take(scope, meter, policy, bounds.start(), quantity, requireRemaining);
			BigDecimal used = policy.limit().subtract(take.remaining()).max(BigDecimal.ZERO);
			switch (take.result()) {
				case TAKEN -> {
					takes.add(take);
					usages.add(ReadingCheck.state(policy, scope, used, bounds.start(), bounds.end(), false));
				}
				case SHORT -> {
					PolicyUsage state = ReadingCheck.state(policy, scope, used, bounds.start(), bounds.end(), true);
					usages.add(state);
					violated.add(state);
				}
				case UNKNOWN -> {
					known = false;
					if (logger.isWarnEnabled()) {
						logger.warn("No lease of '" + scope + "', meter '" + meter
								+ "' and the database could not grant one; metering.quota.on-unknown-usage="
								+ this.onUnknownUsage.name().toLowerCase());
					}
					usages.add(ReadingCheck.state(policy, scope, used, bounds.start(), bounds.end(), false));
					if (this.onUnknownUsage == OnUnknownUsage.ALLOW && !requireRemaining) {
						// Admitted beyond the leases: counted, so the next grant owns up to it.
						take.budget().debit(quantity);
						takes.add(take);
					}
				}
			}
		}
		boolean denied = !violated.isEmpty() || (!known && this.onUnknownUsage == OnUnknownUsage.DENY);
		ScopeCheck onReadings = rest.isEmpty() ? null
				: this.readingCheck.check(scope, meter, quantity, at, rest, requireRemaining, denied);
		Reservation.Part readingPart = (onReadings != null) ? onReadings.reservation() : null;
		if (onReadings != null) {
			usages.addAll(onReadings.usages());
			known &= onReadings.known();
		}
		if (denied || (!known && this.onUnknownUsage == OnUnknownUsage.DENY)) {
			for (QuotaLeases.Take take : takes) {
				this.leases.giveBack(take.budget(), take.quantity());
			}
			takes.clear();
		}
		Reservation.Part part = (takes.isEmpty() && readingPart == null) ? null
				: new Reservation.Part(scope, meter, (readingPart != null) ? readingPart.usage : null,
						MeterUsage.hourOf(at), quantity, List.copyOf(takes), this.leases);
		return new ScopeCheck(usages, violated, known, part,
				(onReadings != null) ? onReadings.warnings() : List.of(), onReadings != null && onReadings.warn());
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


}
