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

	/**
	 * Hands over one valid event with the usage held for it, which whoever counts the event takes
	 * over (the kit's writer passes it to its listeners). The default ignores the held usage: its
	 * holder gives back what nobody took over.
	 * @param event a validated event
	 * @param held the usage held for the event, {@link HeldUsage#NONE} for none
	 * @return {@code true} if accepted, {@code false} if it was dropped
	 */
	default boolean offer(UsageEvent event, HeldUsage held) {
		return offer(event);
	}

}
