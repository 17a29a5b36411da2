package dev.metering.meter;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;

/**
 * How one meter is measured ({@code metering.meters[i]}): its aggregation, the events it reads,
 * and what it reads from their data. Checked as it is made: a failure names the property
 * ({@code value}, {@code group-by.model}, ...), which {@link InvalidMeterDefinitionException#under}
 * places under its parent.
 * <p>
 * In the ledger, a meter's event has the read value as its quantity and the group values in its
 * dimensions; a {@code unique-count} event also has the counted value, under
 * {@link #UNIQUE_VALUE_DIMENSION}. So the ledger alone gives back every aggregation.
 *
 * @param name the meter's name
 * @param aggregation how its events add up
 * @param eventType the event type it reads (the CloudEvents {@code type}); its name by default
 * @param value where its value is in the data; {@code null}: the event's quantity (for
 * {@code unique-count}: the counted property, required; for {@code count}: none)
 * @param groupBy the dimensions it is grouped by, each read from the data, in order
 * @param unit the unit of its value, for people (e.g. {@code token})
 * @param description what it measures, for people
 * @param maxGroups how many distinct groups one tenant's meter keeps; further groups add up under
 * {@link #OVERFLOW_GROUP_VALUE}
 */
public record MeterDefinition(String name, Aggregation aggregation, String eventType, @Nullable DataPointer value,
		Map<String, DataPointer> groupBy, @Nullable String unit, @Nullable String description, int maxGroups) {

	/** The ledger dimension of a {@code unique-count} event that holds the counted value; no group is named so. */
	public static final String UNIQUE_VALUE_DIMENSION = "__unique__";

	/** The group value every group beyond {@link #maxGroups()} of a tenant's meter is counted under. */
	public static final String OVERFLOW_GROUP_VALUE = "__other__";

	/** Groups of one tenant's meter kept unless {@code max-groups} says otherwise. */
	public static final int DEFAULT_MAX_GROUPS = 1000;

	/** The most {@code max-groups} may be. */
	public static final int MAX_MAX_GROUPS = 100_000;

	/**
	 * The most distinct values a unique-count meter keeps per tenant, billing scope, UTC month and
	 * group; a further value of that month is not kept, so the month's count stops there.
	 */
	public static final int MAX_DISTINCT_VALUES = 1_000_000;

	/** The most dimensions one meter may be grouped by. */
	public static final int MAX_GROUP_BY = 8;

	/** The longest group value or counted value, in characters; a longer one is refused. */
	public static final int MAX_VALUE_LENGTH = 256;

	/** The longest dimension name of a group-by. */
	public static final int MAX_GROUP_NAME_LENGTH = 64;

	/** The longest event type. */
	public static final int MAX_EVENT_TYPE_LENGTH = 256;

	public MeterDefinition {
		if (!UsageEventValidator.isValidMeterName(name)) {
			throw new InvalidMeterDefinitionException("name", name,
					"a meter name is 1 to 128 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
		}
		if (aggregation == null) {
			throw new InvalidMeterDefinitionException("aggregation", null,
					"use sum, count, max, min, latest or unique-count");
		}
		eventType = (eventType == null) ? name : eventType;
		if (eventType.isBlank() || eventType.length() > MAX_EVENT_TYPE_LENGTH) {
			throw new InvalidMeterDefinitionException("event-type", eventType,
					"must be 1 to " + MAX_EVENT_TYPE_LENGTH + " characters, not blank");
		}
		if (aggregation == Aggregation.UNIQUE_COUNT && value == null) {
			throw new InvalidMeterDefinitionException("value", null,
					"a unique-count meter counts the distinct values of one property: set value to its JSON Pointer");
		}
		if (aggregation == Aggregation.COUNT && value != null) {
			throw new InvalidMeterDefinitionException("value", value,
					"a count meter counts events and reads no value: remove value, or use sum");
		}
		groupBy = checkedGroupBy(groupBy);
		if (maxGroups < 1 || maxGroups > MAX_MAX_GROUPS) {
			throw new InvalidMeterDefinitionException("max-groups", maxGroups,
					"must be between 1 and " + MAX_MAX_GROUPS);
		}
		if (unit != null && unit.length() > 64) {
			throw new InvalidMeterDefinitionException("unit", unit, "must be at most 64 characters");
		}
		if (description != null && description.length() > 512) {
			throw new InvalidMeterDefinitionException("description", UsageEventValidator.abbreviate(description),
					"must be at most 512 characters");
		}
	}

	private static Map<String, DataPointer> checkedGroupBy(@Nullable Map<String, DataPointer> groupBy) {
		if (groupBy == null || groupBy.isEmpty()) {
			return Map.of();
		}
		if (groupBy.size() > MAX_GROUP_BY) {
			throw new InvalidMeterDefinitionException("group-by", groupBy.keySet(),
					"a meter may be grouped by at most " + MAX_GROUP_BY + " dimensions");
		}
		for (Map.Entry<String, DataPointer> entry : groupBy.entrySet()) {
			String dimension = entry.getKey();
			if (UNIQUE_VALUE_DIMENSION.equals(dimension)) {
				throw new InvalidMeterDefinitionException("group-by." + dimension, entry.getValue(),
						"'" + UNIQUE_VALUE_DIMENSION + "' is reserved for the value a unique-count meter counts");
			}
			if (!isValidGroupName(dimension)) {
				throw new InvalidMeterDefinitionException("group-by." + dimension, entry.getValue(),
						"a dimension name is 1 to " + MAX_GROUP_NAME_LENGTH
								+ " of a-z, A-Z, 0-9, '_', '-' and '.', starting with a letter");
			}
			if (entry.getValue() == null) {
				throw new InvalidMeterDefinitionException("group-by." + dimension, null,
						"must be a JSON Pointer into the data, e.g. /model");
			}
		}
		return Collections.unmodifiableMap(new LinkedHashMap<>(groupBy));
	}

	private static boolean isValidGroupName(@Nullable String name) {
		if (name == null || name.isEmpty() || name.length() > MAX_GROUP_NAME_LENGTH
				|| !Character.isLetter(name.charAt(0)) || name.charAt(0) > 'z') {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
			if (!letterOrDigit && c != '_' && c != '-' && c != '.') {
				return false;
			}
		}
		return true;
	}

	/**
	 * A builder of a definition of the given meter and aggregation, reading events of the meter's
	 * name and the event's quantity, ungrouped.
	 * @param name the meter
	 * @param aggregation how it adds up
	 * @return a builder
	 */
	public static Builder builder(String name, Aggregation aggregation) {
		return new Builder(name, aggregation);
	}

	/**
	 * Checks that the request filter may record this meter: one event per request, so a count or
	 * sum of requests without a value or group-by.
	 * @throws InvalidMeterDefinitionException naming the property that makes it more
	 */
	public void requireCountOfRequests() {
		String reason = "the request filter records this meter, one per request (metering.web.request-meter): it "
				+ "stays a count of requests, so it reads no value and has no group-by";
		if (!this.groupBy.isEmpty()) {
			throw new InvalidMeterDefinitionException("group-by", this.groupBy.keySet(), reason);
		}
		if (this.value != null) {
			throw new InvalidMeterDefinitionException("value", this.value, reason);
		}
		if (this.aggregation != Aggregation.COUNT && this.aggregation != Aggregation.SUM) {
			throw new InvalidMeterDefinitionException("aggregation", this.aggregation.configName(), reason);
		}
	}

	/**
	 * Whether this meter keeps one group only: it has no group-by.
	 * @return {@code true} without group-by
	 */
	public boolean ungrouped() {
		return this.groupBy.isEmpty();
	}

	/**
	 * The overflow group: every dimension of the group-by at {@link #OVERFLOW_GROUP_VALUE}.
	 * @return the overflow group's values, in order; empty for an ungrouped meter
	 */
	public Map<String, String> overflowGroup() {
		Map<String, String> overflow = new LinkedHashMap<>();
		this.groupBy.keySet().forEach((dimension) -> overflow.put(dimension, OVERFLOW_GROUP_VALUE));
		return overflow;
	}

	/**
	 * Reads one event's quantity, group values and counted value from its data.
	 * @param data the event's data
	 * @param quantity the event's own quantity, taken when the definition reads no value
	 * @return what the meter takes from the event
	 * @throws InvalidUsageEventException naming the field ({@code data/usage/total_tokens}) that
	 * is absent, of the wrong type, or a value the ledger cannot hold
	 */
	public MeterReading read(Map<String, ? extends @Nullable Object> data, BigDecimal quantity) {
		Map<String, String> groups = new LinkedHashMap<>();
		for (Map.Entry<String, DataPointer> entry : this.groupBy.entrySet()) {
			groups.put(entry.getKey(), text(entry.getValue(), data));
		}
		return switch (this.aggregation) {
			case COUNT -> new MeterReading(BigDecimal.ONE, groups, null);
			case UNIQUE_COUNT -> new MeterReading(BigDecimal.ONE, groups, text(this.value, data));
			case SUM, MAX, MIN, LATEST -> new MeterReading((this.value != null) ? number(this.value, data) : quantity,
					groups, null);
		};
	}

	private static String text(DataPointer pointer, Map<String, ? extends @Nullable Object> data) {
		Object value = pointer.readScalar(data);
		String text = (value instanceof BigDecimal decimal) ? decimal.toPlainString() : value.toString();
		if (text.length() > MAX_VALUE_LENGTH) {
			throw new InvalidUsageEventException(pointer.field(),
					"must be at most " + MAX_VALUE_LENGTH + " characters, was " + text.length());
		}
		return text;
	}

	private static BigDecimal number(DataPointer pointer, Map<String, ? extends @Nullable Object> data) {
		Object value = pointer.readScalar(data);
		BigDecimal number = toDecimal(value);
		if (number == null) {
			throw new InvalidUsageEventException(pointer.field(), "must be a number, was "
					+ ((value instanceof String text) ? "'" + UsageEventValidator.abbreviate(text) + "'"
							: value.getClass().getSimpleName() + " " + value));
		}
		String problem = UsageEventValidator.quantityProblem(number);
		if (problem != null) {
			throw new InvalidUsageEventException(pointer.field(), problem);
		}
		return number;
	}

	/** A number, or a string holding one (as OpenMeter reads a value property); {@code null} otherwise. */
	private static @Nullable BigDecimal toDecimal(Object value) {
		if (value instanceof BigDecimal decimal) {
			return decimal;
		}
		if (value instanceof java.math.BigInteger integer) {
			return new BigDecimal(integer);
		}
		if (value instanceof Double || value instanceof Float) {
			double number = ((Number) value).doubleValue();
			return (Double.isNaN(number) || Double.isInfinite(number)) ? null : BigDecimal.valueOf(number);
		}
		if (value instanceof Number number) {
			return BigDecimal.valueOf(number.longValue());
		}
		if (value instanceof String text && !text.isBlank() && text.length() <= UsageEventValidator.MAX_QUANTITY_DIGITS + 2) {
			try {
				return new BigDecimal(text.strip());
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		return null;
	}

	/**
	 * Builds {@link MeterDefinition}s from the texts of {@code application.yml}; pointers are
	 * parsed as they are set, a bad one failing with its property's name.
	 */
	public static final class Builder {

		private final String name;

		private final Aggregation aggregation;

		private @Nullable String eventType;

		private @Nullable DataPointer value;

		private final Map<String, DataPointer> groupBy = new LinkedHashMap<>();

		private @Nullable String unit;

		private @Nullable String description;

		private int maxGroups = DEFAULT_MAX_GROUPS;

		private Builder(String name, Aggregation aggregation) {
			this.name = name;
			this.aggregation = aggregation;
		}

		public Builder eventType(@Nullable String eventType) {
			this.eventType = eventType;
			return this;
		}

		public Builder value(@Nullable String pointer) {
			this.value = (pointer != null) ? pointer("value", pointer) : null;
			return this;
		}

		public Builder groupBy(String dimension, String pointer) {
			this.groupBy.put(dimension, pointer("group-by." + dimension, pointer));
			return this;
		}

		public Builder unit(@Nullable String unit) {
			this.unit = unit;
			return this;
		}

		public Builder description(@Nullable String description) {
			this.description = description;
			return this;
		}

		public Builder maxGroups(int maxGroups) {
			this.maxGroups = maxGroups;
			return this;
		}

		private static DataPointer pointer(String property, String pointer) {
			try {
				return DataPointer.parse(pointer);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidMeterDefinitionException(property, pointer, ex.getMessage());
			}
		}

		public MeterDefinition build() {
			return new MeterDefinition(this.name, this.aggregation, (this.eventType != null) ? this.eventType : this.name,
					this.value, this.groupBy, this.unit, this.description, this.maxGroups);
		}

	}

}
