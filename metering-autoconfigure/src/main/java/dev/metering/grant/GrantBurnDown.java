package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

/**
 * How usage burned a tenant's grants of one meter, worked out from the ledger.
 * <p>
 * The time from the first grant's start to {@code until} is cut at every grant's start and end
 * (and at any instant a caller asks about), so the usable grants are the same throughout each
 * segment. Each segment's usage burns the usable grants in order: lowest priority number first,
 * then the earliest end (no end last), then the earliest start, then the id. Usage no grant
 * covers is overage. What a grant has left when it ends is lost.
 */
final class GrantBurnDown {

	static final Comparator<Grant> BURN_ORDER = Comparator.comparingInt(Grant::priority)
		.thenComparing(Grant::endsAt, Comparator.nullsLast(Comparator.naturalOrder()))
		.thenComparing(Grant::effectiveAt)
		.thenComparing(Grant::id);

	/** Reads a segment's usage of the meter. */
	@FunctionalInterface
	interface Usage {

		BigDecimal between(Instant from, Instant to);

	}

	private final Map<String, BigDecimal> used = new HashMap<>();

	private final List<Segment> segments = new ArrayList<>();

	private final List<Grant> grants;

	private final Instant until;

	private GrantBurnDown(List<Grant> grants, Instant until) {
		this.grants = grants;
		this.until = until;
	}

	/**
	 * Burns the grants with the usage up to {@code until}.
	 * @param grants the tenant's grants of one meter
	 * @param usage reads usage
	 * @param until the end of the burn-down (now, or a period's end)
	 * @param cuts instants the segments must also be cut at (a window's or a period's bounds)
	 * @return the burn-down
	 */
	static GrantBurnDown of(List<Grant> grants, Usage usage, Instant until, Instant... cuts) {
		GrantBurnDown burnDown = new GrantBurnDown(List.copyOf(grants), until);
		if (grants.isEmpty()) {
			return burnDown;
		}
		Instant start = grants.stream().map(Grant::effectiveAt).min(Comparator.naturalOrder()).orElseThrow();
		TreeSet<Instant> bounds = new TreeSet<>();
		bounds.add(start);
		bounds.add(until);
		for (Grant grant : grants) {
			bounds.add(grant.effectiveAt());
			if (grant.endsAt() != null) {
				bounds.add(grant.endsAt());
			}
		}
		for (Instant cut : cuts) {
			bounds.add(cut);
		}
		List<Grant> ordered = grants.stream().sorted(BURN_ORDER).toList();
		Instant from = null;
		for (Instant to : bounds) {
			if (to.isBefore(start) || to.isAfter(until)) {
				continue;
			}
			if (from != null && from.isBefore(to)) {
				burnDown.burn(ordered, from, to, usage.between(from, to));
			}
			from = to;
		}
		return burnDown;
	}

	private void burn(List<Grant> ordered, Instant from, Instant to, BigDecimal quantity) {
		BigDecimal left = quantity.max(BigDecimal.ZERO);
		BigDecimal burned = BigDecimal.ZERO;
		for (Grant grant : ordered) {
			if (left.signum() == 0) {
				break;
			}
			if (!grant.usableAt(from)) {
				continue;
			}
			BigDecimal remaining = remaining(grant);
			BigDecimal take = remaining.min(left);
			if (take.signum() > 0) {
				this.used.merge(grant.id(), take, BigDecimal::add);
				left = left.subtract(take);
				burned = burned.add(take);
			}
		}
		this.segments.add(new Segment(from, to, burned, left));
	}

	/**
	 * What usage burned of a grant.
	 * @param grant one of the grants
	 * @return the units burned
	 */
	BigDecimal used(Grant grant) {
		return this.used.getOrDefault(grant.id(), BigDecimal.ZERO);
	}

	/**
	 * What a grant has left (what an ended grant lost).
	 * @param grant one of the grants
	 * @return its amount less what was burned
	 */
	BigDecimal remaining(Grant grant) {
		return grant.amount().subtract(used(grant));
	}

	/**
	 * The units grants covered in {@code [from, to)}; both must be segment cuts.
	 * @return the credits applied
	 */
	BigDecimal burnedBetween(Instant from, Instant to) {
		BigDecimal sum = BigDecimal.ZERO;
		for (Segment segment : this.segments) {
			if (!segment.from.isBefore(from) && !segment.to.isAfter(to)) {
				sum = sum.add(segment.burned);
			}
		}
		return sum;
	}

	/**
	 * The usage no grant covered in {@code [from, to)}; both must be segment cuts.
	 * @return the overage
	 */
	BigDecimal overageBetween(Instant from, Instant to) {
		BigDecimal sum = BigDecimal.ZERO;
		for (Segment segment : this.segments) {
			if (!segment.from.isBefore(from) && !segment.to.isAfter(to)) {
				sum = sum.add(segment.overage);
			}
		}
		return sum;
	}

	/**
	 * What the grants usable at {@code until} have left.
	 * @return the balance
	 */
	BigDecimal balance() {
		BigDecimal sum = BigDecimal.ZERO;
		for (Grant grant : this.grants) {
			if (grant.usableAt(this.until)) {
				sum = sum.add(remaining(grant));
			}
		}
		return sum;
	}

	/**
	 * The limit a grant-backed meter's window that starts at {@code windowStart} has at
	 * {@code until}: every unit granted so far, less what usage before the window burned and
	 * what ended grants lost. The window's own usage (the lease allocation counts it) is not
	 * taken off, so {@code limit - usage in the window} is the balance. The burn-down must have
	 * been cut at {@code windowStart}.
	 * @param windowStart the window's start
	 * @return the limit, never negative
	 */
	BigDecimal windowLimit(Instant windowStart) {
		BigDecimal limit = BigDecimal.ZERO;
		Instant first = null;
		for (Grant grant : this.grants) {
			if (grant.effectiveAt().isAfter(this.until)) {
				continue;
			}
			first = (first == null || grant.effectiveAt().isBefore(first)) ? grant.effectiveAt() : first;
			limit = limit.add(grant.amount());
			Instant end = grant.endsAt();
			if (end != null && !end.isAfter(this.until)) {
				limit = limit.subtract(remaining(grant));
			}
		}
		if (first != null && first.isBefore(windowStart)) {
			limit = limit.subtract(burnedBetween(first, windowStart));
		}
		return limit.max(BigDecimal.ZERO);
	}

	/**
	 * The next instant after {@code after} at which a grant starts or ends.
	 * @param after the instant
	 * @return the next start or end, {@code null} when none follows
	 */
	@Nullable Instant nextChange(Instant after) {
		Instant next = null;
		for (Grant grant : this.grants) {
			for (Instant at : new Instant[] { grant.effectiveAt(), grant.endsAt() }) {
				if (at != null && at.isAfter(after) && (next == null || at.isBefore(next))) {
					next = at;
				}
			}
		}
		return next;
	}

	private record Segment(Instant from, Instant to, BigDecimal burned, BigDecimal overage) {
	}

}
