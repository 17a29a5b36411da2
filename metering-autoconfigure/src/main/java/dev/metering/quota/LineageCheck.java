package dev.metering.quota;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;

/**
 * What one check of a lineage collects, scope after scope, into one {@link QuotaDecision}: the
 * state of every policy checked, the violated ones, the parts of the reservation and the warnings.
 * Plain arrays grown on demand, so a warm check of one scope builds no list but the decision's.
 */
final class LineageCheck {

	/** Room for two policies at each of three levels: a warm check of a lineage grows nothing. */
	private PolicyUsage[] usages = new PolicyUsage[6];

	private int size;

	private int scopeStart;

	private PolicyUsage @Nullable [] violated;

	private int violatedSize;

	private Reservation.@Nullable Part first;

	private Reservation.Part @Nullable [] parts;

	private int partCount;

	private @Nullable List<QuotaWarningEvent> warnings;

	/**
	 * What a check on readings works out per policy of one level before it reserves: the same
	 * arrays for every level of this check, which uses them one level after the other.
	 */
	LedgerReadings.@Nullable Reading[] readings = NO_READINGS;

	QuotaWindow.@Nullable Bounds[] bounds = NO_BOUNDS;

	/** Usage with the call's quantity. */
	@Nullable BigDecimal[] after = NO_QUANTITIES;

	private static final LedgerReadings.Reading[] NO_READINGS = new LedgerReadings.Reading[0];

	private static final QuotaWindow.Bounds[] NO_BOUNDS = new QuotaWindow.Bounds[0];

	private static final BigDecimal[] NO_QUANTITIES = new BigDecimal[0];

	/**
	 * Whether the check read the present once for all its levels ({@link #nowNanos},
	 * {@link #nowMillis}): a lineage of several levels; a flat check lets each take read it.
	 */
	boolean timed;

	/** The budgets' ticker as the check read it. */
	long nowNanos;

	/** The budgets' clock as the check read it. */
	long nowMillis;

	/** Whether every usage of every scope so far could be read (or leased). */
	boolean known = true;

	/** Whether every usage of the current scope could be read (or leased). */
	boolean scopeKnown = true;

	/** Whether a warning level is passed. */
	boolean warn;

	/** Makes {@link #readings}, {@link #bounds} and {@link #after} hold at least {@code n} policies. */
	void holdPolicies(int n) {
		if (this.readings.length < n) {
			int size = Math.max(n, 2);
			this.readings = new LedgerReadings.Reading[size];
			this.bounds = new QuotaWindow.Bounds[size];
			this.after = new BigDecimal[size];
		}
	}

	/** Starts the policies of the next scope. */
	void beginScope() {
		this.scopeStart = this.size;
		this.scopeKnown = true;
	}

	/** A usage of the current scope could not be read or leased. */
	void unknown() {
		this.scopeKnown = false;
		this.known = false;
	}

	void add(PolicyUsage usage) {
		if (this.size == this.usages.length) {
			this.usages = Arrays.copyOf(this.usages, this.size * 2);
		}
		this.usages[this.size++] = usage;
	}

	/** A hard policy the call would pass. */
	void violate(PolicyUsage usage) {
		PolicyUsage[] v = this.violated;
		if (v == null) {
			v = new PolicyUsage[2];
		}
		else if (this.violatedSize == v.length) {
			v = Arrays.copyOf(v, this.violatedSize * 2);
		}
		v[this.violatedSize++] = usage;
		this.violated = v;
	}

	/** Under {@code on-unknown-usage: deny}: every policy of the current scope counts as violated. */
	void violateScope() {
		for (int i = this.scopeStart; i < this.size; i++) {
			violate(this.usages[i]);
		}
	}

	boolean violated() {
		return this.violatedSize > 0;
	}

	void reserve(Reservation.Part part) {
		if (this.partCount == 0) {
			this.first = part;
		}
		else {
			if (this.parts == null) {
				this.parts = new Reservation.Part[3];
				this.parts[0] = this.first;
			}
			else if (this.partCount == this.parts.length) {
				this.parts = Arrays.copyOf(this.parts, this.partCount * 2);
			}
			this.parts[this.partCount] = part;
		}
		this.partCount++;
	}

	void warning(QuotaWarningEvent event) {
		if (this.warnings == null) {
			this.warnings = new ArrayList<>(2);
		}
		this.warnings.add(event);
	}

	/** The decision of the lineage; a denied one gives back what earlier scopes reserved. */
	QuotaDecision decide(String tenant, String meter, BigDecimal quantity) {
		List<PolicyUsage> all = list(this.usages, this.size);
		if (this.violatedSize > 0) {
			reservation().release();
			PolicyUsage[] v = this.violated;
			List<String> names = new ArrayList<>(this.violatedSize);
			PolicyUsage latest = v[0];
			for (int i = 0; i < this.violatedSize; i++) {
				names.add(v[i].policy().name());
				if (v[i].reset().isAfter(latest.reset())) {
					latest = v[i];
				}
			}
			return new QuotaDecision(QuotaDecision.Outcome.DENY, tenant, meter, quantity, latest, all, names,
					this.known, Reservation.NONE);
		}
		return new QuotaDecision(this.warn ? QuotaDecision.Outcome.WARN : QuotaDecision.Outcome.ALLOW, tenant, meter,
				quantity, leastRemaining(), all, List.of(), this.known, reservation());
	}

	/** Counts and publishes the warnings. */
	void publish(QuotaObserver observer, ApplicationEventPublisher events) {
		if (this.warnings != null) {
			for (QuotaWarningEvent warning : this.warnings) {
				observer.warned(warning);
				events.publishEvent(warning);
			}
		}
	}

	private Reservation reservation() {
		if (this.partCount == 0) {
			return Reservation.NONE;
		}
		if (this.partCount == 1) {
			return new Reservation(this.first);
		}
		// The array is this check's own: handed over as it is when full.
		return new Reservation((this.partCount == this.parts.length) ? this.parts
				: Arrays.copyOf(this.parts, this.partCount));
	}

	/** The enforced policy with the least remaining (a monitor one only when nothing is enforced). */
	private PolicyUsage leastRemaining() {
		PolicyUsage least = null;
		for (int i = 0; i < this.size; i++) {
			PolicyUsage p = this.usages[i];
			boolean enforced = p.policy().enforcement() != Enforcement.MONITOR;
			if (least == null || (enforced && (least.policy().enforcement() == Enforcement.MONITOR
					|| p.remaining().compareTo(least.remaining()) < 0))) {
				least = p;
			}
		}
		return least;
	}

	private static List<PolicyUsage> list(PolicyUsage[] usages, int size) {
		return switch (size) {
			case 1 -> List.of(usages[0]);
			case 2 -> List.of(usages[0], usages[1]);
			// List.of copies its array: a full one is passed as it is rather than copied twice.
			default -> List.of((size == usages.length) ? usages : Arrays.copyOf(usages, size));
		};
	}

}
