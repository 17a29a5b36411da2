package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Where quotas that are counted per event in the database are admitted: quotas on a
 * {@code unique-count} meter (the limit bounds the distinct values of a window) and quotas
 * filtered on a dimension value. One {@link #admit} decides all of a scope's such quotas of one
 * call in one transaction: every window is raised, or none.
 */
public interface QuotaAdmissions {

	/**
	 * Admits one call at each window, all or nothing.
	 * @param requests the windows and what the call adds to each
	 * @return what each window's usage is (after the call when admitted, without it when refused)
	 * @throws RuntimeException when the database cannot be asked
	 */
	Outcome admit(List<Request> requests);

	/**
	 * Gives back the quantities an admitted call added to sum windows (a call that failed and is
	 * not recorded). Distinct values stay admitted: another call of the same value may have been
	 * admitted on the strength of them meanwhile.
	 * @param requests the admitted requests
	 */
	void giveBack(List<Request> requests);

	/**
	 * A window's usage as the database holds it, for a status read.
	 * @param key the window
	 * @return the usage, zero for a window nothing was admitted in
	 */
	BigDecimal used(WindowKey key);

	/**
	 * One window of an admitted quota.
	 *
	 * @param scope the scope (tenant or ancestor)
	 * @param meter the meter
	 * @param filterKey the policy's {@link QuotaPolicy#filterKey()}, empty for none
	 * @param window the window kind
	 * @param start the window's start
	 */
	record WindowKey(String scope, String meter, String filterKey, QuotaWindow window, Instant start) {

		/** A total order, in which one admission locks its windows: two admissions never wait on each other. */
		String lockOrder() {
			return this.scope + '\u0000' + this.meter + '\u0000' + this.filterKey + '\u0000' + this.window + '\u0000'
					+ this.start.getEpochSecond();
		}

	}

	/**
	 * What a call adds to one window.
	 *
	 * @param key the window
	 * @param policy the policy of the window
	 * @param distinctValue the value a unique-count window counts (adds 1 when new, nothing when
	 * already admitted); {@code null} for a sum window
	 * @param quantity what a sum window adds; for a call whose quantity is known only afterwards,
	 * zero (then a hard window only requires that something is left)
	 */
	record Request(WindowKey key, QuotaPolicy policy, @Nullable String distinctValue, BigDecimal quantity) {

		boolean hard() {
			return this.policy.enforcement() == Enforcement.HARD;
		}

	}

	/**
	 * The outcome of an admission.
	 *
	 * @param admitted whether every window admitted the call
	 * @param used each request's window usage, in the order of the requests
	 * @param usedBefore each window's usage before the call, in the order of the requests
	 * @param refused the requests whose hard limit the call would pass (empty when admitted)
	 */
	record Outcome(boolean admitted, List<BigDecimal> used, List<BigDecimal> usedBefore, List<Integer> refused) {

		public Outcome {
			used = List.copyOf(used);
			usedBefore = List.copyOf(usedBefore);
			refused = List.copyOf(refused);
		}

	}

}
