package dev.metering.admin;

import java.util.Locale;
import java.util.Map;

import dev.metering.meter.Aggregation;
import dev.metering.meter.InvalidMeterDefinitionException;
import dev.metering.meter.MeterDefinition;
import org.jspecify.annotations.Nullable;

/**
 * A meter definition as the admin API takes it, with the property names of
 * {@code metering.meters[i]}; {@code null} is what the configuration leaves unset.
 *
 * @param name the meter
 * @param aggregation {@code sum}, {@code count}, {@code max}, {@code min}, {@code latest} or
 * {@code unique-count}; {@code null} is {@code sum}
 * @param eventType the event type it reads; {@code null} is its name
 * @param value the JSON Pointer of its value
 * @param groupBy dimension name to JSON Pointer
 * @param unit its unit, for people
 * @param description what it measures, for people
 * @param maxGroups how many groups one tenant's meter keeps; {@code null} is the default
 */
public record MeterChange(@Nullable String name, @Nullable String aggregation, @Nullable String eventType,
		@Nullable String value, @Nullable Map<String, String> groupBy, @Nullable String unit,
		@Nullable String description, @Nullable Integer maxGroups) {

	/**
	 * The definition, checked as {@code metering.meters} is at start-up.
	 * @return the definition
	 * @throws InvalidDefinitionException naming the property
	 */
	public MeterDefinition toDefinition() {
		String meter = (this.name != null) ? this.name : "";
		if (meter.isEmpty()) {
			throw InvalidDefinitionException.ofMeter("name", null, "every meter definition names its meter");
		}
		try {
			MeterDefinition.Builder builder = MeterDefinition.builder(meter, parsedAggregation())
				.eventType(this.eventType)
				.value(this.value)
				.unit(this.unit)
				.description(this.description)
				.maxGroups((this.maxGroups != null) ? this.maxGroups : MeterDefinition.DEFAULT_MAX_GROUPS);
			if (this.groupBy != null) {
				this.groupBy.forEach(builder::groupBy);
			}
			return builder.build();
		}
		catch (InvalidMeterDefinitionException ex) {
			throw LayeredMeterDefinitions.invalid(ex);
		}
	}

	private Aggregation parsedAggregation() {
		if (this.aggregation == null) {
			return Aggregation.SUM;
		}
		for (Aggregation candidate : Aggregation.values()) {
			if (candidate.configName().equals(this.aggregation.toLowerCase(Locale.ROOT))) {
				return candidate;
			}
		}
		throw InvalidDefinitionException.ofMeter("aggregation", this.aggregation,
				"use sum, count, max, min, latest or unique-count");
	}

}
