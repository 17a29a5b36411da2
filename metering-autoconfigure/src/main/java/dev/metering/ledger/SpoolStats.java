package dev.metering.ledger;

/**
 * The spool's counters since start.
 *
 * @param spooled events appended
 * @param overflowed of those, events left on disk because the writer's buffer was full or a
 * backlog was on disk
 * @param replayed events read back from segments of an earlier run
 * @param full events the spool could not take because its disk budget was spent (they went to
 * the in-memory buffer and its overflow policy)
 * @param unreadableBytes bytes of earlier segments that were not valid records (torn or corrupt
 * tails, kept as {@code .corrupt} files)
 * @param segments segment files on disk
 * @param draining whether events are waiting on disk for the writer
 */
public record SpoolStats(long spooled, long overflowed, long replayed, long full, long unreadableBytes, int segments,
		boolean draining) {

}
