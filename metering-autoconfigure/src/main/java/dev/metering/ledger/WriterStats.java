package dev.metering.ledger;

/**
 * Counters of the buffered ledger writer since start.
 *
 * @param recorded events accepted into the buffer
 * @param written events inserted into the ledger
 * @param duplicates events skipped as already recorded
 * @param dropped events refused because the buffer was full (or the writer had stopped and
 * could not write them)
 * @param rejected events the database refused as invalid data, which no retry can fix
 * @param retries failed write attempts that were retried
 * @param buffered events waiting in the buffer or in the batch being written
 * @param batches batches written
 * @param batchNanos total time spent writing batches, in nanoseconds
 * @param errors {@link Error}s (out of memory, stack overflow) the writer caught while writing,
 * after which it kept the events and carried on
 */
public record WriterStats(long recorded, long written, long duplicates, long dropped, long rejected, long retries,
		long buffered, long batches, long batchNanos, long errors) {

}
