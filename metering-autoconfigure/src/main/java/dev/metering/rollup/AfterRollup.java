package dev.metering.rollup;

/**
 * Work the rollup's scheduler does after each run, on its thread (closing billing periods into
 * invoices): it runs where and as often as the fold, and after it, so it reads what the run folded.
 */
@FunctionalInterface
public interface AfterRollup {

	/**
	 * Does the work; a failure is logged and the next run tries again.
	 */
	void afterRollup();

}
