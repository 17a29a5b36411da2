package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;

/**
 * The check of one scope's quotas that a meter's definition or a filter decides, beside the
 * leases and readings of plain sums:
 * <ul>
 * <li>a quota filtered on a dimension value counts only the events whose dimensions match; a
 * filtered sum or count is admitted per event in the database ({@link QuotaAdmissions});</li>
 * <li>a quota on a {@code max} meter (a gauge) refuses an event whose value is over the limit;</li>
 * <li>a quota on a {@code unique-count} meter admits a value already counted in its window always,
 * and a new one only while fewer than the limit are counted ({@link QuotaAdmissions}).</li>
 * </ul>
 * The scope's unfiltered quotas of a sum or count meter are checked first as always; the
 * admissions run only when they pass, and what they reserved is given back when an admission
 * refuses.
 */
final class MeasuredCheck {

	private static final Log logger = LogFactory.getLog(QuotaEnforcementService.class);

	private final QuotaEnforcementService service;

	private final @Nullable QuotaAdmissions admissions;

	private final OnUnknownUsage onUnknownUsage;

	/** The gauge windows this instance has warned of (a month is the longest window). */
	private final Cache<String, Boolean> warnedGauges = Caffeine.newBuilder()
		.maximumSize(100_000)
		.expireAfterWrite(Duration.ofDays(32))
		.build();

	MeasuredCheck(QuotaEnforcementService service, @Nullable QuotaAdmissions admissions,
			OnUnknownUsage onUnknownUsage) {
		this.service = service;
		this.admissions = admissions;
		this.onUnknownUsage = onUnknownUsage;
	}

	/**
	 * Checks one scope into {@code run}.
	 * @return what the scope holds for the call, {@code null} when nothing (or denied)
	 */
	Reservation.@Nullable Part check(LineageCheck run, MeterPolicies plan, Aggregation aggregation,
			BigDecimal quantity, Map<String, String> dimensions, Instant at, boolean requireRemaining) {
		boolean sum = QuotaEnforcementService.isSum(aggregation);
		Reservation.Part counted = null;
		if (sum && !plan.plain.isEmpty()) {
			counted = this.service.checkScope(run, plan.plain, quantity, at, requireRemaining);
			if (run.violated() || deniedUnknown(run)) {
				return null;
			}
		}
		List<QuotaAdmissions.Request> requests = new ArrayList<>(2);
		for (QuotaPolicy policy : sum ? plan.filtered : plan.all) {
			if (!policy.matches(dimensions)) {
				continue;
			}
			QuotaWindow.Bounds bounds = plan.bounds(policy, at);
			if (aggregation == Aggregation.MAX) {
				gauge(run, plan, policy, quantity, bounds, requireRemaining);
				continue;
			}
			String value = (aggregation == Aggregation.UNIQUE_COUNT)
					? dimensions.get(MeterDefinition.UNIQUE_VALUE_DIMENSION) : null;
			if (aggregation == Aggregation.UNIQUE_COUNT && value == null) {
				// A check without the counted value cannot tell a new value from one counted already.
				continue;
			}
			requests.add(new QuotaAdmissions.Request(key(plan, policy, bounds), policy, value,
					requireRemaining ? BigDecimal.ZERO : quantity));
		}
		List<QuotaAdmissions.Request> admitted = List.of();
		if (!run.violated() && !requests.isEmpty()) {
			admitted = admit(run, plan, requests, at);
		}
		if (run.violated() || deniedUnknown(run)) {
			if (counted != null && counted.finish()) {
				counted.giveBack();
			}
			return null;
		}
		if (admitted.isEmpty()) {
			return counted;
		}
		return new Reservation.Part(plan.scope, plan.meter, (counted != null) ? counted.usage : null,
				MeterUsage.hourOf(at), quantity, (counted != null) ? counted.takes() : List.of(),
				(counted != null) ? counted.leases : null, admitted, this.admissions);
	}

	/**
	 * A gauge's quota: the window's maximum passes the limit exactly when this value does. A value
	 * past the warning level warns, once per scope, policy and window on this instance.
	 */
	private void gauge(LineageCheck run, MeterPolicies plan, QuotaPolicy policy, BigDecimal value,
			QuotaWindow.Bounds bounds, boolean requireRemaining) {
		boolean over = !requireRemaining && value.compareTo(policy.limit()) > 0;
		PolicyUsage state = ReadingCheck.state(policy, plan.scope, requireRemaining ? BigDecimal.ZERO : value, bounds,
				over);
		run.add(state);
		if (over && policy.enforcement() == Enforcement.HARD) {
			run.violate(state);
			return;
		}
		boolean warns = policy.softThreshold() != null || policy.enforcement() != Enforcement.HARD;
		if (!requireRemaining && warns && value.compareTo(policy.warnAt()) > 0) {
			run.warn |= policy.enforcement() != Enforcement.MONITOR;
			String window = plan.scope + '\u0000' + policy.name() + '\u0000' + bounds.start().getEpochSecond();
			if (this.warnedGauges.asMap().putIfAbsent(window, Boolean.TRUE) == null) {
				run.warning(new QuotaWarningEvent(plan.scope, plan.meter, policy, value, policy.limit(), bounds.start(),
						bounds.end()));
			}
		}
	}

	/**
	 * Admits the call at every window of the scope in one transaction.
	 * @return the sum requests admitted (given back with the reservation); empty when none
	 */
	private List<QuotaAdmissions.Request> admit(LineageCheck run, MeterPolicies plan,
			List<QuotaAdmissions.Request> requests, Instant at) {
		QuotaAdmissions.Outcome outcome = null;
		if (this.admissions != null) {
			try {
				outcome = this.admissions.admit(requests);
			}
			catch (RuntimeException ex) {
				if (logger.isWarnEnabled()) {
					logger.warn("Quota of '" + plan.scope + "', meter '" + plan.meter + "' could not be admitted ("
							+ ex.getMessage() + "); metering.quota.on-unknown-usage="
							+ this.onUnknownUsage.name().toLowerCase(java.util.Locale.ROOT));
				}
			}
		}
		if (outcome == null) {
			run.unknown();
			return List.of();
		}
		List<QuotaAdmissions.Request> admitted = new ArrayList<>(requests.size());
		for (int i = 0; i < requests.size(); i++) {
			QuotaAdmissions.Request request = requests.get(i);
			QuotaPolicy policy = request.policy();
			QuotaWindow.Bounds bounds = new QuotaWindow.Bounds(request.key().start(),
					plan.end(policy, request.key().start()));
			BigDecimal used = outcome.used().get(i);
			boolean refused = outcome.refused().contains(i);
			PolicyUsage state = ReadingCheck.state(policy, plan.scope, used, bounds,
					refused || used.compareTo(policy.limit()) > 0);
			run.add(state);
			if (refused) {
				run.violate(state);
				continue;
			}
			BigDecimal before = outcome.usedBefore().get(i);
			boolean warns = policy.softThreshold() != null || policy.enforcement() != Enforcement.HARD;
			if (outcome.admitted() && warns && used.compareTo(policy.warnAt()) > 0) {
				run.warn |= policy.enforcement() != Enforcement.MONITOR;
				if (before.compareTo(policy.warnAt()) <= 0) {
					// Admissions of a window are serialised by its row: one call, on one instance, crosses.
					run.warning(new QuotaWarningEvent(plan.scope, plan.meter, policy, used, policy.limit(),
							bounds.start(), bounds.end()));
				}
			}
			if (request.distinctValue() == null && request.quantity().signum() != 0) {
				admitted.add(request);
			}
		}
		return outcome.admitted() ? admitted : List.of();
	}

	/**
	 * A policy's state for a status read: a gauge shows nothing used (its usage is each call's
	 * value), an admitted quota its window's row.
	 * @return {@code null} when the row cannot be read
	 */
	@Nullable PolicyUsage status(MeterPolicies plan, Aggregation aggregation, QuotaPolicy policy,
			QuotaWindow.Bounds bounds) {
		if (aggregation == Aggregation.MAX) {
			return ReadingCheck.state(policy, plan.scope, BigDecimal.ZERO, bounds, false);
		}
		if (this.admissions == null) {
			return null;
		}
		try {
			BigDecimal used = this.admissions.used(key(plan, policy, bounds));
			return ReadingCheck.state(policy, plan.scope, used, bounds, used.compareTo(policy.limit()) >= 0);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private boolean deniedUnknown(LineageCheck run) {
		return !run.scopeKnown && this.onUnknownUsage == OnUnknownUsage.DENY;
	}

	private static QuotaAdmissions.WindowKey key(MeterPolicies plan, QuotaPolicy policy, QuotaWindow.Bounds bounds) {
		return new QuotaAdmissions.WindowKey(plan.scope, plan.meter, policy.filterKey(), policy.window(),
				bounds.start());
	}

}
