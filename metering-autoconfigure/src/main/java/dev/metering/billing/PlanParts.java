package dev.metering.billing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

/**
 * Splits a billing period at the plan changes inside it: each part is billed at the plan in
 * effect at its start (the latest assignment at or before it).
 */
final class PlanParts {

	private PlanParts() {
	}

	/**
	 * The parts of a period.
	 * @param period the billing period
	 * @param history the scope's assignments, oldest first; empty when plans keep no history
	 * @param current the plan in force now, for a scope without history
	 * @return the parts in order, adjacent parts of one plan merged; a part before the first
	 * assignment has no plan
	 */
	static List<Span> of(BillingPeriod period, List<PlanAssignment> history, @Nullable String current) {
		if (history.isEmpty()) {
			return List.of(new Span(current, period));
		}
		TreeSet<Instant> cuts = new TreeSet<>();
		cuts.add(period.from());
		cuts.add(period.to());
		for (PlanAssignment assignment : history) {
			if (assignment.effectiveFrom().isAfter(period.from()) && assignment.effectiveFrom().isBefore(period.to())) {
				cuts.add(assignment.effectiveFrom());
			}
		}
		List<Span> spans = new ArrayList<>();
		Instant from = null;
		for (Instant cut : cuts) {
			if (from != null) {
				String plan = planAt(history, from);
				Span last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
				if (last != null && Objects.equals(last.plan(), plan)) {
					spans.set(spans.size() - 1, new Span(plan, new BillingPeriod(last.period().from(), cut)));
				}
				else {
					spans.add(new Span(plan, new BillingPeriod(from, cut)));
				}
			}
			from = cut;
		}
		return spans;
	}

	private static @Nullable String planAt(List<PlanAssignment> history, Instant at) {
		String plan = null;
		for (PlanAssignment assignment : history) {
			if (!assignment.effectiveFrom().isAfter(at)) {
				plan = assignment.plan();
			}
		}
		return plan;
	}

	/**
	 * A part of a period and its plan.
	 *
	 * @param plan the plan, {@code null} when the scope had none then
	 * @param period the part
	 */
	record Span(@Nullable String plan, BillingPeriod period) {
	}

}
