package dev.metering.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsageEventValidator;
import dev.metering.meter.MeterDefinition;
import org.jspecify.annotations.Nullable;

/**
 * Reads {@code group_by} and {@code filter[<dimension>]} of a usage query: each a dimension of
 * the meter's group-by, else a 400 naming the parameter.
 */
final class MeterQueryParameters {

	private static final String FILTER = "filter";

	private MeterQueryParameters() {
	}

	static List<String> groupBy(@Nullable MeterDefinition definition, String meter, @Nullable List<String> values) {
		if (values == null) {
			return List.of();
		}
		List<String> dimensions = new ArrayList<>();
		for (String value : values) {
			for (String dimension : value.split(",", -1)) {
				String name = dimension.strip();
				requireDimension(definition, meter, "group_by", name);
				if (dimensions.contains(name)) {
					throw ApiException.badRequest("group_by", "names '" + name + "' twice");
				}
				dimensions.add(name);
			}
		}
		return dimensions;
	}

	static Map<String, String> filter(@Nullable MeterDefinition definition, String meter,
			Map<String, String[]> parameters) {
		Map<String, String> filter = new LinkedHashMap<>();
		for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
			String name = parameter.getKey();
			if (!name.equals(FILTER) && !name.startsWith(FILTER + "[")) {
				continue;
			}
			String parameterName = UsageEventValidator.abbreviate(name);
			if (!name.startsWith(FILTER + "[") || !name.endsWith("]")) {
				throw ApiException.badRequest(parameterName, "a filter is filter[<dimension>]=<value>, e.g. filter[model]=gpt-4o");
			}
			String dimension = name.substring(FILTER.length() + 1, name.length() - 1);
			requireDimension(definition, meter, parameterName, dimension);
			String[] values = parameter.getValue();
			if (values.length != 1) {
				throw ApiException.badRequest(parameterName, "give one value, was " + values.length);
			}
			String value = values[0];
			if (value.isEmpty() || value.length() > MeterDefinition.MAX_VALUE_LENGTH) {
				throw ApiException.badRequest(parameterName,
						"must be 1 to " + MeterDefinition.MAX_VALUE_LENGTH + " characters");
			}
			filter.put(dimension, value);
		}
		return filter;
	}

	private static void requireDimension(@Nullable MeterDefinition definition, String meter, String parameter,
			String dimension) {
		if (definition == null) {
			throw ApiException.badRequest(parameter, "meter '" + meter
					+ "' has no definition (metering.meters), so no dimensions to group or filter by");
		}
		if (!definition.groupBy().containsKey(dimension)) {
			throw ApiException.badRequest(parameter, "'" + UsageEventValidator.abbreviate(dimension)
					+ "' is not a dimension of meter '" + meter + "'; its dimensions are "
					+ definition.groupBy().keySet());
		}
	}

}
