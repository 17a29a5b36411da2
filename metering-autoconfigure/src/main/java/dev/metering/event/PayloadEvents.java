package dev.metering.event;

import java.util.List;

/**
 * Turns a {@link UsagePayload} into the events of the meters that read it. The kit's is the
 * meter definitions' ({@code dev.metering.meter.MeterEvents}); {@link #UNDEFINED} is what a
 * payload makes when no meter is defined.
 */
@FunctionalInterface
public interface PayloadEvents {

	/** No meter definitions: one event of the meter named by the payload's type, with its quantity. */
	PayloadEvents UNDEFINED = (payload) -> List
		.of(payload.toEvent(payload.type(), payload.quantity(), payload.dimensions()));

	/**
	 * The events a payload makes, one per meter that reads it.
	 * @param payload the payload
	 * @return its events, never empty
	 * @throws InvalidUsageEventException naming the field of the data a meter could not read
	 * (for example {@code data/usage/total_tokens}); no event is made
	 */
	List<UsageEvent> eventsOf(UsagePayload payload);

}
