package dev.metering.ledger;

/**
 * What recording does when the writer's buffer is full.
 */
public enum OverflowPolicy {

	/**
	 * Wait for space up to {@code metering.writer.block-timeout}, then drop the event (counted and
	 * logged). Back-pressure on the recording thread keeps events through short bursts.
	 */
	BLOCK,

	/** Drop the event at once (counted and logged); the recording thread never waits. */
	DROP

}
