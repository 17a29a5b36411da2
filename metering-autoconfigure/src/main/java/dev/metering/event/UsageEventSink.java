package dev.metering.event;

/**
 * Where validated events go: in the kit, the buffered ledger writer.
 */
@FunctionalInterface
public interface UsageEventSink {

	/**
	 * Hands over one valid event without waiting for the database.
	 * @param event a validated event
	 * @return {@code true} if accepted, {@code false} if it was dropped (counted and logged by the sink)
	 */
	boolean offer(UsageEvent event);

}
