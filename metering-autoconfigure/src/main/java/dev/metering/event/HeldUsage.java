package dev.metering.event;

/**
 * Usage held for an event before it is recorded: in the kit, the quota {@code Reservation} of
 * the call the event records. It travels with the event as a parameter, from
 * {@link UsageRecorder#record(UsageEvent, HeldUsage)} to {@link UsageEventSink#offer(UsageEvent, HeldUsage)}
 * and the writer's listeners; the listener that counts the event as this instance's usage takes
 * the held part over in the same step, so no quota check sees the unit twice or not at all.
 */
@FunctionalInterface
public interface HeldUsage {

	/** Nothing held. */
	HeldUsage NONE = (event) -> false;

	/**
	 * Takes over what is held for an event's tenant, meter, quantity and hour: from now on it
	 * counts as the event's usage, and is no longer given back.
	 * @param event the recorded event, or its copy for an ancestor of its tenant
	 * @return whether something held matched
	 */
	boolean takeOver(UsageEvent event);

}
