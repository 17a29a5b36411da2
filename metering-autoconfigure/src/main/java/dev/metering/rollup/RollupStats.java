package dev.metering.rollup;

/**
 * Counters of a rollup job since start.
 *
 * @param runs runs completed
 * @param failures runs that failed (their transaction rolled back; the next run redoes the work)
 * @param runNanos total time of completed runs, in nanoseconds
 * @param eventsFolded ledger rows folded by all runs
 * @param lastRunEvents ledger rows folded by the last completed run
 * @param openGaps id ranges waited for after the last run
 */
public record RollupStats(long runs, long failures, long runNanos, long eventsFolded, long lastRunEvents,
		long openGaps) {

}
