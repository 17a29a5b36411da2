package dev.metering.meter;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The meter definitions every part of the kit looks up: the recorder and the CloudEvents ingest
 * to make events, the rollup to fold them, quotas, billing and the usage API to read them. A
 * meter without a definition is a sum of its events' quantity, exactly as before definitions
 * existed.
 */
public interface MeterDefinitions {

	/** No definitions: every meter is a sum of quantity. */
	MeterDefinitions NONE = of(List.of());

	/**
	 * The definition of a meter.
	 * @param meter the meter's name
	 * @return its definition, or {@code null} for a meter without one (a sum of quantity)
	 */
	@Nullable MeterDefinition find(String meter);

	/**
	 * Every meter that reads an event type.
	 * @param eventType the event type (the CloudEvents {@code type})
	 * @return the definitions reading it, in their order; empty when none does
	 */
	List<MeterDefinition> forEventType(String eventType);

	/**
	 * Every definition.
	 * @return the definitions, in their order
	 */
	List<MeterDefinition> all();

	/**
	 * Fixed definitions, as {@code application.yml} gives them.
	 * @param definitions the definitions
	 * @return their look-up
	 * @throws InvalidMeterDefinitionException naming {@code [i].name} when two define one meter
	 */
	static MeterDefinitions of(List<MeterDefinition> definitions) {
		return new FixedMeterDefinitions(definitions);
	}

}
