package dev.metering.meter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/** Definitions that never change, indexed by meter and by event type. */
final class FixedMeterDefinitions implements MeterDefinitions {

	private final List<MeterDefinition> all;

	private final Map<String, MeterDefinition> byMeter = new HashMap<>();

	private final Map<String, List<MeterDefinition>> byEventType = new HashMap<>();

	FixedMeterDefinitions(List<MeterDefinition> definitions) {
		this.all = List.copyOf(definitions);
		for (int i = 0; i < this.all.size(); i++) {
			MeterDefinition definition = this.all.get(i);
			if (this.byMeter.putIfAbsent(definition.name(), definition) != null) {
				throw new InvalidMeterDefinitionException("[" + i + "].name", definition.name(),
						"another definition has this meter's name; each meter is defined once");
			}
			this.byEventType.computeIfAbsent(definition.eventType(), (type) -> new ArrayList<>()).add(definition);
		}
		this.byEventType.replaceAll((type, list) -> List.copyOf(list));
	}

	@Override
	public @Nullable MeterDefinition find(String meter) {
		return this.byMeter.get(meter);
	}

	@Override
	public List<MeterDefinition> forEventType(String eventType) {
		return this.byEventType.getOrDefault(eventType, List.of());
	}

	@Override
	public List<MeterDefinition> all() {
		return this.all;
	}

}
