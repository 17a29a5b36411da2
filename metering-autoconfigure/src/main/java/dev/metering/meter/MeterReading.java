package dev.metering.meter;

import java.math.BigDecimal;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What a meter definition reads from one event's data.
 *
 * @param quantity the event's quantity: the pointed number, the payload's quantity when the
 * definition reads no value, 1 for {@code count} and {@code unique-count}
 * @param groups the group values, by dimension name, in the definition's order
 * @param uniqueValue the value a {@code unique-count} meter counts, {@code null} for others
 */
public record MeterReading(BigDecimal quantity, Map<String, String> groups, @Nullable String uniqueValue) {

	public MeterReading {
		groups = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(groups));
	}

}
