package dev.metering.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.meter.Aggregation;
import dev.metering.meter.InvalidMeterDefinitionException;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Meter definitions ({@code metering.meters}): how each meter aggregates, which events it reads
 * and what it reads from their data. A meter without a definition is a sum of its events'
 * quantity.
 */
@ConfigurationProperties("metering")
public class MeteringMetersProperties {

	/**
	 * The meter definitions, a list (meter names contain dots).
	 */
	private List<Meter> meters = new ArrayList<>();

	public List<Meter> getMeters() {
		return this.meters;
	}

	public void setMeters(List<Meter> meters) {
		this.meters = meters;
	}

	/**
	 * The definitions, checked; a failure names its property ({@code metering.meters[0].value}).
	 * @param requestMeter the meter the request filter records (one per request), or {@code null}
	 * when the filter is off: it stays a count, so its definition may not read a value or group
	 * @return the definitions
	 * @throws InvalidMeterDefinitionException naming the property at fault
	 */
	MeterDefinitions toDefinitions(@Nullable String requestMeter) {
		List<MeterDefinition> definitions = new ArrayList<>();
		for (int i = 0; i < this.meters.size(); i++) {
			String prefix = "metering.meters[" + i + "]";
			try {
				MeterDefinition definition = this.meters.get(i).toDefinition();
				if (definition.name().equals(requestMeter)) {
					definition.requireCountOfRequests();
				}
				definitions.add(definition);
			}
			catch (InvalidMeterDefinitionException ex) {
				throw ex.under(prefix);
			}
		}
		try {
			return MeterDefinitions.of(definitions);
		}
		catch (InvalidMeterDefinitionException ex) {
			throw ex.under("metering.meters");
		}
	}

	/**
	 * One meter's definition.
	 */
	public static class Meter {

		/**
		 * The meter's name, e.g. 'llm.tokens'.
		 */
		private @Nullable String name;

		/**
		 * How its events add up: sum, count, max, min, latest or unique-count.
		 */
		private Aggregation aggregation = Aggregation.SUM;

		/**
		 * The event type (CloudEvents 'type') this meter reads; the meter's name when unset.
		 */
		private @Nullable String eventType;

		/**
		 * JSON Pointer to the value in the event's data (sum, max, min, latest), or to the
		 * property whose distinct values are counted (unique-count). Unset: the event's quantity.
		 */
		private @Nullable String value;

		/**
		 * Dimensions the meter is grouped by: dimension name to JSON Pointer into the data.
		 */
		private Map<String, String> groupBy = new LinkedHashMap<>();

		/**
		 * The unit of the value, for people (e.g. 'token').
		 */
		private @Nullable String unit;

		/**
		 * What the meter measures, for people.
		 */
		private @Nullable String description;

		/**
		 * How many distinct groups one tenant's meter keeps; usage of any further group is
		 * counted under the group value '__other__'.
		 */
		private int maxGroups = MeterDefinition.DEFAULT_MAX_GROUPS;

		MeterDefinition toDefinition() {
			String meter = (this.name != null) ? this.name : "";
			if (meter.isEmpty()) {
				throw new InvalidMeterDefinitionException("name", null, "every meter definition names its meter");
			}
			MeterDefinition.Builder builder = MeterDefinition.builder(meter, this.aggregation)
				.eventType(this.eventType)
				.value(this.value)
				.unit(this.unit)
				.description(this.description)
				.maxGroups(this.maxGroups);
			this.groupBy.forEach(builder::groupBy);
			return builder.build();
		}

		public @Nullable String getName() {
			return this.name;
		}

		public void setName(@Nullable String name) {
			this.name = name;
		}

		public Aggregation getAggregation() {
			return this.aggregation;
		}

		public void setAggregation(Aggregation aggregation) {
			this.aggregation = aggregation;
		}

		public @Nullable String getEventType() {
			return this.eventType;
		}

		public void setEventType(@Nullable String eventType) {
			this.eventType = eventType;
		}

		public @Nullable String getValue() {
			return this.value;
		}

		public void setValue(@Nullable String value) {
			this.value = value;
		}

		public Map<String, String> getGroupBy() {
			return this.groupBy;
		}

		public void setGroupBy(Map<String, String> groupBy) {
			this.groupBy = groupBy;
		}

		public @Nullable String getUnit() {
			return this.unit;
		}

		public void setUnit(@Nullable String unit) {
			this.unit = unit;
		}

		public @Nullable String getDescription() {
			return this.description;
		}

		public void setDescription(@Nullable String description) {
			this.description = description;
		}

		public int getMaxGroups() {
			return this.maxGroups;
		}

		public void setMaxGroups(int maxGroups) {
			this.maxGroups = maxGroups;
		}

	}

}
