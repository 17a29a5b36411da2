package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
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
 * then turns into local usage in the same monitor ({@link Reservation#takeOver}): the unit is
 * never counted twice or not at all; or it is given back when the call fails.</li>
 * <li>A write that failed but may have committed, a retried duplicate, or an idempotency-key
 * duplicate is counted again from memory: over-counted, never under-counted, until the next
 * clean reading replaces the estimate with the ledger's exact sum.</li>
 * </ol>
 * Other instances' usage is seen when readings refresh ({@code metering.cache.usage-ttl}); the
 * one-instance guarantee is what is exact. Lineage: every scope of the lineage (the tenant first)
 * is checked against its own quotas; reservations taken at earlier scopes are given back when a
 * later scope denies.
 * <p>
 * Over 350 lines: the one entry of every check, status read and reservation; the argument for their
 * exactness is written here once.
 */
public class QuotaEnforcementService {

	private static final Log logger = LogFactory.getLog(QuotaEnforcementService.class);

	private final QuotaDefinitionSource definitions;

	private final ReadingCheck readingCheck;

	private final @Nullable HardQuotaBudgets leases;

	private final Clock clock;

	private final OnUnknownUsage onUnknownUsage;

	private final ApplicationEventPublisher events;

	private final QuotaObserver observer;

	private final MeterDefinitions meters;

	private final MeasuredCheck measured;

	/** The plans of lineages of several levels: their levels' policies resolved once. */
	private final LineagePlans plans;

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
			@Nullable HardQuotaBudgets leases, Clock clock, OnUnknownUsage onUnknownUsage,
			ApplicationEventPublisher events, QuotaObserver observer) {
		this(definitions, readings, local, leases, null, MeterDefinitions.NONE, clock, onUnknownUsage, events,
				observer);
	}

	/**
	 * Creates the service with quotas of defined meters: a quota on a {@code max} meter admits a
	 * call by its value, one on a {@code unique-count} meter and one filtered on a dimension value
	 * are admitted per event by {@code admissions}.
	 * @param definitions the quota definitions (cached)
	 * @param readings ledger usage readings
	 * @param local this instance's usage not in the readings
	 * @param leases hard-quota budgets leased from the database, or {@code null}
	 * @param admissions where unique-count and filtered quotas are admitted, {@code null} when there
	 * is no database for them (their usage is then unknown)
	 * @param meters the meter definitions (a meter without one is a sum)
	 * @param clock the clock that places checks in windows
	 * @param onUnknownUsage what to do when a reading cannot be taken
	 * @param events where warning events go
	 * @param observer metrics
	 */
	public QuotaEnforcementService(QuotaDefinitionSource definitions, LedgerReadings readings, LocalUsage local,
			@Nullable HardQuotaBudgets leases, @Nullable QuotaAdmissions admissions, MeterDefinitions meters,
			Clock clock, OnUnknownUsage onUnknownUsage, ApplicationEventPublisher events, QuotaObserver observer) {
		this.meters = meters;
		this.definitions = definitions;
		this.readingCheck = new ReadingCheck(readings, local, onUnknownUsage);
		this.leases = leases;
		this.clock = clock;
		this.onUnknownUsage = onUnknownUsage;
		this.events = events;
		this.observer = observer;
		this.measured = new MeasuredCheck(this, admissions, onUnknownUsage);
		this.plans = new LineagePlans(definitions);
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
	 * @throws IllegalArgumentException for a quantity no ledger holds (negative, more than 9
	 * decimals, 10^29 or more), refused before any arithmetic
	 */
	public QuotaDecision check(List<String> lineage, String meter, BigDecimal quantity, Instant at) {
		String problem = UsageEventValidator.quantityProblem(quantity);
		if (problem != null) {
			throw new IllegalArgumentException("quantity " + problem);
		}
		return check(lineage, meter, quantity, Map.of(), at, false);
	}

	/**
	 * Checks the call that will record an event and, unless denied, reserves its quantity at
	 * every scope of the lineage. The event's dimensions decide which filtered quotas count it,
	 * and a {@code unique-count} meter's quotas admit it by its counted value
	 * ({@link MeterDefinition#UNIQUE_VALUE_DIMENSION}); make the event as the recorder will
	 * ({@code PayloadEvents}), so the reservation becomes it.
	 * @param lineage the scopes, the tenant first, then its ancestors
	 * @param event the event the call will record (its meter, quantity, dimensions and instant)
	 * @return the decision; release its reservation once the usage is recorded or the call fails
	 * @throws IllegalArgumentException for a quantity no ledger holds
	 */
	public QuotaDecision check(List<String> lineage, UsageEvent event) {
		String problem = UsageEventValidator.quantityProblem(event.quantity());
		if (problem != null) {
			throw new IllegalArgumentException("quantity " + problem);
		}
		return check(lineage, event.meter(), event.quantity(), event.dimensions(), event.occurredAt(), false);
	}

	/**
	 * Checks the call that will record several events (a payload read by several meters): each
	 * as {@link #check(List, UsageEvent)}, all or nothing.
	 * @param lineage the scopes, the tenant first, then its ancestors
	 * @param events the events the call will record, at least one
	 * @return the first denial (what the earlier events reserved is given back), else the first
	 * event's decision holding the reservation of them all
	 */
	public QuotaDecision check(List<String> lineage, List<UsageEvent> events) {
		if (events.isEmpty()) {
			throw new IllegalArgumentException("events must hold at least one event");
		}
		QuotaDecision first = null;
		List<Reservation> held = new ArrayList<>(events.size());
		for (UsageEvent event : events) {
			QuotaDecision decision = check(lineage, event);
			if (!decision.allowed()) {
				held.forEach(Reservation::release);
				return decision;
			}
			held.add(decision.reservation());
			if (first == null) {
				first = decision;
			}
		}
		return (held.size() == 1) ? first : first.withReservation(Reservation.of(held));
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
		return check(lineage, meter, BigDecimal.ZERO, Map.of(), at, true);
	}

	/**
	 * The state of every quota of a lineage's meter, for a status read (an endpoint, the usage
	 * API): it reserves nothing, asks for no lease, publishes no warning and is not counted as a
	 * check or a denial. A hard quota shows what this instance's budget knows when it holds one,
	 * else its ledger reading (cached, or read now); denied when a hard quota has nothing left.
	 * @param lineage the scopes, the tenant first, then its ancestors
	 * @param meter the meter
	 * @param at the instant whose windows are shown
	 * @return the state, with no reservation
	 */
	public QuotaDecision status(List<String> lineage, String meter, Instant at) {
		if (lineage.isEmpty()) {
			throw new IllegalArgumentException("lineage must name at least the tenant");
		}
		LineageCheck run = null;
		for (String scope : lineage) {
			TenantQuotas quotas = this.definitions.quotasOf(scope);
			List<QuotaPolicy> policies = quotas.policies(meter);
			if (policies.isEmpty()) {
				continue;
			}
			if (run == null) {
				run = new LineageCheck();
			}
			run.beginScope();
			MeterPolicies plan = MeterPolicies.of(scope, meter, policies, quotas.calendar());
			Aggregation aggregation = aggregationOf(meter);
			for (QuotaPolicy policy : plan.all) {
				QuotaWindow.Bounds bounds = plan.bounds(policy, at);
				PolicyUsage state = null;
				if (!isSum(aggregation) || !policy.filter().isEmpty()) {
					state = this.measured.status(plan, aggregation, policy, bounds);
					if (state == null) {
						run.unknown();
						continue;
					}
					run.add(state);
					if (state.exceeded() && policy.enforcement() == Enforcement.HARD) {
						run.violate(state);
					}
					continue;
				}
				if (this.leases != null && policy.enforcement() == Enforcement.HARD) {
					BigDecimal left = this.leases.known(plan.leaseKey(policy, bounds.start()));
					if (left != null) {
						state = leased(policy, scope, left, bounds);
					}
				}
				if (state == null) {
					state = this.readingCheck.status(plan, policy, bounds);
				}
				if (state == null) {
					run.unknown();
					continue;
				}
				run.add(state);
				if (state.exceeded() && policy.enforcement() == Enforcement.HARD) {
					run.violate(state);
				}
			}
		}
		if (run == null) {
			return QuotaDecision.unlimited(lineage.get(0), meter, BigDecimal.ZERO);
		}
		return run.decide(lineage.get(0), meter, BigDecimal.ZERO);
	}

	private QuotaDecision check(List<String> lineage, String meter, BigDecimal quantity,
			Map<String, String> dimensions, Instant at, boolean requireRemaining) {
		if (lineage.isEmpty()) {
			throw new IllegalArgumentException("lineage must name at least the tenant");
		}
		String tenant = lineage.get(0);
		LineageCheck run = null;
		if (lineage.size() > 1) {
			// One reading of the clocks for the plan, the held readings and the takes of every level.
			HardQuotaBudgets leases = this.leases;
			long nowNanos = (leases != null) ? leases.nanoTime() : System.nanoTime();
			LineagePlans.LineagePlan plan = this.plans.plan(lineage, meter, nowNanos);
			if (plan != null) {
				MeterPolicies[] levels = plan.levels;
				if (levels.length == 0) {
					return QuotaDecision.unlimited(tenant, meter, quantity);
				}
				run = new LineageCheck();
				run.timed = true;
				run.nowNanos = nowNanos;
				run.nowMillis = (leases != null) ? leases.millis() : Long.MIN_VALUE;
				Aggregation aggregation = aggregationOf(meter);
				for (MeterPolicies level : levels) {
					if (!checkLevel(run, level, aggregation, quantity, dimensions, at, requireRemaining)) {
						break;
					}
				}
				return decide(run, tenant, meter, quantity);
			}
		}
		Aggregation aggregation = null;
		for (int i = 0, n = lineage.size(); i < n; i++) {
			String scope = lineage.get(i);
			// A level without quotas costs this cached look-up, nothing more.
			TenantQuotas quotas = this.definitions.quotasOf(scope);
			List<QuotaPolicy> policies = quotas.policies(meter);
			if (policies.isEmpty()) {
				continue;
			}
			if (run == null) {
				run = new LineageCheck();
			}
			MeterPolicies plan = MeterPolicies.of(scope, meter, policies, quotas.calendar());
			if (aggregation == null) {
				aggregation = aggregationOf(meter);
			}
			if (!checkLevel(run, plan, aggregation, quantity, dimensions, at, requireRemaining)) {
				break;
			}
		}
		if (run == null) {
			return QuotaDecision.unlimited(tenant, meter, quantity);
		}
		return decide(run, tenant, meter, quantity);
	}

	/**
	 * Checks one level of the lineage into {@code run} and keeps what it reserves.
	 * @return whether the next level is to be checked (this one did not deny)
	 */
	private boolean checkLevel(LineageCheck run, MeterPolicies plan, Aggregation aggregation, BigDecimal quantity,
			Map<String, String> dimensions, Instant at, boolean requireRemaining) {
		run.beginScope();
		Reservation.Part part = (plan.filtered.length == 0 && isSum(aggregation))
				? checkScope(run, plan, quantity, at, requireRemaining)
				: this.measured.check(run, plan, aggregation, quantity, dimensions, at, requireRemaining);
		if (!run.scopeKnown && this.onUnknownUsage == OnUnknownUsage.DENY) {
			run.violateScope();
			return false;
		}
		if (run.violated()) {
			return false;
		}
		if (part != null) {
			run.reserve(part);
		}
		return true;
	}

	private QuotaDecision decide(LineageCheck run, String tenant, String meter, BigDecimal quantity) {
		QuotaDecision decision = run.decide(tenant, meter, quantity);
		this.observer.checked(decision);
		run.publish(this.observer, this.events);
		return decision;
	}

	/** The aggregation of a meter: a meter without a definition is a sum. */
	private Aggregation aggregationOf(String meter) {
		MeterDefinition definition = this.meters.find(meter);
		return (definition != null) ? definition.aggregation() : Aggregation.SUM;
	}

	/** Whether a meter's usage is a sum of quantities (count: of ones), which leases and readings hold. */
	static boolean isSum(Aggregation aggregation) {
		return aggregation == Aggregation.SUM || aggregation == Aggregation.COUNT;
	}

	/** For tests: plans of lineages serve this long unless the definitions' version changes. */
	void revalidatePlansEvery(java.time.Duration interval) {
		this.plans.revalidateEvery(interval.toNanos());
	}

	/**
	 * The clock the service places calls in windows with.
	 * @return the clock
	 */
	public Clock getClock() {
		return this.clock;
	}

	/**
	 * Checks one scope into {@code run}: hard quotas from the leased budgets, the others on readings.
	 * @return what the scope holds for the call, {@code null} when nothing (or denied)
	 */
	Reservation.@Nullable Part checkScope(LineageCheck run, MeterPolicies plan, BigDecimal quantity,
			Instant at, boolean requireRemaining) {
		HardQuotaBudgets leases = this.leases;
		if (leases == null) {
			return this.readingCheck.check(run, plan, plan.allAt, quantity, at, requireRemaining, false);
		}
		HardQuotaBudgets.Take taken = null;
		// A quota and a grant-backed meter's balance: two takes, held without a list.
		HardQuotaBudgets.Take second = null;
		List<HardQuotaBudgets.Take> more = null;
		boolean violated = false;
		for (int p : plan.hardAt) {
			if (violated || (!run.scopeKnown && this.onUnknownUsage == OnUnknownUsage.DENY)) {
				continue;
			}
			QuotaPolicy policy = plan.all[p];
			QuotaWindow.Bounds bounds = plan.bounds(p, at);
			HardQuotaBudgets.Take take = run.timed
					? leases.take(plan.leaseKey(p, bounds.start()), plan.budget(p), policy, quantity, requireRemaining,
							run.nowNanos, run.nowMillis)
					: leases.take(plan.leaseKey(p, bounds.start()), plan.budget(p), policy, quantity,
							requireRemaining);
			plan.budget(p, take.budget());
			boolean keep = false;
			switch (take.result()) {
				case TAKEN -> {
					keep = true;
					run.add(leased(policy, plan.scope, take, bounds, false));
				}
				case SHORT -> {
					PolicyUsage state = leased(policy, plan.scope, take, bounds, true);
					run.add(state);
					run.violate(state);
					violated = true;
				}
				case UNKNOWN -> {
					run.unknown();
					if (logger.isWarnEnabled()) {
						logger.warn("No lease of '" + plan.scope + "', meter '" + plan.meter
								+ "' and the database could not grant one; metering.quota.on-unknown-usage="
								+ this.onUnknownUsage.name().toLowerCase());
					}
					run.add(leased(policy, plan.scope, take, bounds, false));
					if (this.onUnknownUsage == OnUnknownUsage.ALLOW && !requireRemaining) {
						// Admitted beyond the leases: counted, so the next grant owns up to it.
						take.budget().debit(quantity);
						keep = true;
					}
				}
			}
			if (keep) {
				if (taken == null) {
					taken = take;
				}
				else if (second == null) {
					second = take;
				}
				else {
					if (more == null) {
						more = new ArrayList<>(4);
						more.add(taken);
						more.add(second);
					}
					more.add(take);
				}
			}
		}
		boolean denied = violated || (!run.scopeKnown && this.onUnknownUsage == OnUnknownUsage.DENY);
		MeterUsage reserved = (plan.onReadings.length == 0) ? null
				: this.readingCheck.reserve(run, plan, plan.onReadingsAt, quantity, at, requireRemaining, denied);
		if (denied || (!run.scopeKnown && this.onUnknownUsage == OnUnknownUsage.DENY)) {
			if (more != null) {
				for (HardQuotaBudgets.Take take : more) {
					leases.giveBack(take.budget(), take.quantity());
				}
			}
			else {
				if (taken != null) {
					leases.giveBack(taken.budget(), taken.quantity());
				}
				if (second != null) {
					leases.giveBack(second.budget(), second.quantity());
				}
			}
			return null;
		}
		if (plan.hardWarned.length > 0) {
			this.readingCheck.warn(run, plan, plan.hardWarnedAt, quantity, at);
		}
		if (taken == null && reserved == null) {
			return null;
		}
		// One part per level, whatever it holds: the reading reservation and the takes together.
		if (more != null) {
			return new Reservation.Part(plan.scope, plan.meter, reserved, MeterUsage.hourOf(at), quantity,
					List.copyOf(more), leases);
		}
		if (second != null) {
			return new Reservation.Part(plan.scope, plan.meter, reserved, MeterUsage.hourOf(at), quantity, taken,
					second, leases);
		}
		return new Reservation.Part(plan.scope, plan.meter, reserved, MeterUsage.hourOf(at), quantity, taken,
				(taken != null) ? leases : null);
	}

	/** A hard policy's state from its take: what is left as this instance knows it. */
	private static PolicyUsage leased(QuotaPolicy policy, String scope, HardQuotaBudgets.Take take,
			QuotaWindow.Bounds bounds, boolean exceeded) {
		return leased(policy, scope, take.remaining(), bounds, exceeded);
	}

	private static PolicyUsage leased(QuotaPolicy policy, String scope, BigDecimal left, QuotaWindow.Bounds bounds) {
		return leased(policy, scope, left, bounds, left.signum() <= 0);
	}

	private static PolicyUsage leased(QuotaPolicy policy, String scope, BigDecimal left, QuotaWindow.Bounds bounds,
			boolean exceeded) {
		BigDecimal limit = policy.limit();
		BigDecimal remaining = (left.compareTo(limit) > 0) ? limit : left;
		BigDecimal used = (remaining == limit) ? BigDecimal.ZERO : limit.subtract(remaining);
		return new PolicyUsage(policy, scope, used, remaining, bounds.start(), bounds.end(), exceeded);
	}

}
