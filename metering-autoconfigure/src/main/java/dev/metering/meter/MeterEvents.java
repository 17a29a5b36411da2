package dev.metering.meter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.PayloadEvents;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;

/**
 * The events a payload makes under the meter definitions: one per meter that reads its type,
 * with the quantity and dimensions the definition reads from its data. The recorder and the
 * CloudEvents ingest both make their events here.
 * <p>
 * Which meters: those whose {@code event-type} is the payload's type; else the meter named by
 * the type, when defined (a {@code @Metered} method names its meter); else one event of the
 * meter named by the type with the payload's quantity, as without definitions. Event ids come
 * from {@link UsagePayload#eventIdFor}: with a dedup key, the same payload gives the same ids.
 */
public final class MeterEvents implements PayloadEvents {

	private final Supplier<MeterDefinitions> definitions;

	/**
	 * Events under fixed definitions.
	 * @param definitions the definitions
	 */
	public MeterEvents(MeterDefinitions definitions) {
		this(() -> definitions);
	}

	/**
	 * Events under the definitions in force when each payload arrives (runtime definitions change).
	 * @param definitions the definitions in force
	 */
	public MeterEvents(Supplier<MeterDefinitions> definitions) {
		this.definitions = definitions;
	}

	@Override
	public List<UsageEvent> eventsOf(UsagePayload payload) {
		MeterDefinitions in = this.definitions.get();
		List<MeterDefinition> readers = in.forEventType(payload.type());
		if (readers.isEmpty()) {
			MeterDefinition named = in.find(payload.type());
			if (named == null) {
				return PayloadEvents.UNDEFINED.eventsOf(payload);
			}
			readers = List.of(named);
		}
		if (payload.dimensions().containsKey(MeterDefinition.UNIQUE_VALUE_DIMENSION)) {
			throw new InvalidUsageEventException("dimensions",
					"'" + MeterDefinition.UNIQUE_VALUE_DIMENSION + "' is reserved for the value a unique-count meter counts");
		}
		List<UsageEvent> events = new ArrayList<>(readers.size());
		for (MeterDefinition definition : readers) {
			MeterReading reading = definition.read(payload.data(), payload.quantity());
			Map<String, String> dimensions = new LinkedHashMap<>(payload.dimensions());
			// The read group values win over a caller's dimension of the same name: they are the meter's.
			dimensions.putAll(reading.groups());
			if (reading.uniqueValue() != null) {
				dimensions.put(MeterDefinition.UNIQUE_VALUE_DIMENSION, reading.uniqueValue());
			}
			events.add(payload.toEvent(definition.name(), reading.quantity(), dimensions));
		}
		return List.copyOf(events);
	}

}
