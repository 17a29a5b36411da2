package dev.metering.web;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.metering.internal.json.DimensionsJson;

import org.springframework.http.ProblemDetail;

/**
 * Writes a {@link ProblemDetail} as RFC 9457 JSON without a JSON library, so the filter's 429
 * does not depend on which Jackson (2 or 3) the application has. Extension members go at the
 * top level, as RFC 9457 wants; values are strings, numbers, booleans, collections or null.
 */
final class ProblemJson {

	private ProblemJson() {
	}

	static String write(ProblemDetail problem) {
		Map<String, Object> members = new LinkedHashMap<>();
		members.put("type", problem.getType().toString());
		if (problem.getTitle() != null) {
			members.put("title", problem.getTitle());
		}
		members.put("status", problem.getStatus());
		if (problem.getDetail() != null) {
			members.put("detail", problem.getDetail());
		}
		if (problem.getInstance() != null) {
			members.put("instance", problem.getInstance().toString());
		}
		if (problem.getProperties() != null) {
			members.putAll(problem.getProperties());
		}
		StringBuilder json = new StringBuilder(256);
		value(json, members);
		return json.toString();
	}

	private static void value(StringBuilder json, Object value) {
		if (value == null) {
			json.append("null");
		}
		else if (value instanceof Map<?, ?> map) {
			json.append('{');
			boolean first = true;
			for (Map.Entry<?, ?> entry : map.entrySet()) {
				if (!first) {
					json.append(',');
				}
				first = false;
				string(json, String.valueOf(entry.getKey()));
				json.append(':');
				value(json, entry.getValue());
			}
			json.append('}');
		}
		else if (value instanceof Collection<?> items) {
			json.append('[');
			boolean first = true;
			for (Object item : items) {
				if (!first) {
					json.append(',');
				}
				first = false;
				value(json, item);
			}
			json.append(']');
		}
		else if (value instanceof BigDecimal decimal) {
			json.append(decimal.toPlainString());
		}
		else if (value instanceof Number || value instanceof Boolean) {
			json.append(value);
		}
		else {
			string(json, value.toString());
		}
	}

	private static void string(StringBuilder json, String value) {
		DimensionsJson.appendString(json, value);
	}

}
