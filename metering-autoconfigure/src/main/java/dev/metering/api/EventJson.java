package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageSource;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Reads the body of {@code POST /events}: one event object or an array of them, with the
 * product's field names. Every event is checked before any is recorded; the first fault is
 * reported with its field, prefixed by its index in a batch ({@code [3].quantity}). Read by hand
 * from the tree rather than bound to a record: the ingestion hot path, and binding costs about
 * half as much again ({@code EventParsingBenchmark}).
 */
final class EventJson {

	private EventJson() {
	}

	/**
	 * Events of a request body.
	 * @param body the body
	 * @param maxBatchSize the most events an array may hold
	 * @param validator checks each event as the recorder will
	 * @return the events and whether the body was an array
	 */
	static Parsed read(byte[] body, int maxBatchSize, @Nullable UsageEventValidator validator) {
		JsonNode root = BoundedJson.readTree(body);
		if (root == null || root.isMissingNode()) {
			throw ApiException.badRequest("body", "an event object or an array of events is required");
		}
		if (root.isObject()) {
			return new Parsed(List.of(event(root, "", validator)), false);
		}
		if (!root.isArray()) {
			throw ApiException.badRequest("body", "must be an event object or an array of events");
		}
		if (root.isEmpty()) {
			throw ApiException.badRequest("body", "the batch must not be empty");
		}
		if (root.size() > maxBatchSize) {
			throw ApiException.badRequest("body",
					"a batch holds at most " + maxBatchSize + " events (metering.api.max-batch-size), was "
							+ root.size());
		}
		List<UsageEvent> events = new ArrayList<>(root.size());
		for (int i = 0; i < root.size(); i++) {
			JsonNode node = root.get(i);
			String prefix = "[" + i + "].";
			if (!node.isObject()) {
				throw ApiException.badRequest("[" + i + "]", "must be an event object");
			}
			events.add(event(node, prefix, validator));
		}
		return new Parsed(events, true);
	}

	private static UsageEvent event(JsonNode node, String prefix, @Nullable UsageEventValidator validator) {
		String tenant = requiredString(node, "tenant_id", prefix);
		String metric = requiredString(node, "metric", prefix);
		if (!UsageEventValidator.isValidMeterName(metric)) {
			throw ApiException.badRequest(prefix + "metric", "'" + UsageEventValidator.abbreviate(metric)
					+ "' must match [a-z0-9][a-z0-9._-]* (lower-case letters, digits, '.', '_' and '-')");
		}
		BigDecimal quantity = quantity(node, prefix);
		String user = requiredString(node, "user_id", prefix);
		UsageEvent.Builder builder = UsageEvent.builder(tenant, metric)
			.quantity(quantity)
			.userId(user)
			.source(UsageSource.API)
			.idempotencyKey(optionalString(node, "idempotency_key", prefix));
		String timestamp = optionalString(node, "timestamp", prefix);
		if (timestamp != null) {
			builder.occurredAt(instant(timestamp, prefix));
		}
		JsonNode metadata = node.get("metadata");
		if (metadata != null && !metadata.isNull()) {
			builder.dimensions(metadata(metadata, prefix));
		}
		UsageEvent event = builder.build();
		if (validator != null) {
			try {
				validator.validate(event);
			}
			catch (InvalidUsageEventException ex) {
				throw ApiException.badRequest(prefix + jsonField(ex.getField()), ex.getMessage());
			}
		}
		return event;
	}

	private static BigDecimal quantity(JsonNode node, String prefix) {
		JsonNode value = node.get("quantity");
		if (value == null || value.isNull()) {
			throw ApiException.badRequest(prefix + "quantity", "is required");
		}
		if (!value.isNumber()) {
			throw ApiException.badRequest(prefix + "quantity", "must be a number, was " + value.getNodeType());
		}
		if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
			throw ApiException.badRequest(prefix + "quantity", "must be a finite number, was " + value.doubleValue());
		}
		BigDecimal quantity = value.decimalValue();
		// Before anything else looks at it: 1e999999999 is 11 bytes of JSON and a billion digits written out.
		String problem = UsageEventValidator.quantityProblem(quantity);
		if (problem != null) {
			throw ApiException.badRequest(prefix + "quantity", problem);
		}
		return quantity;
	}

	private static Instant instant(String value, String prefix) {
		try {
			return OffsetDateTime.parse(value).toInstant();
		}
		catch (DateTimeParseException ex) {
			throw ApiException.badRequest(prefix + "timestamp",
					"must be an ISO-8601 date-time with offset, e.g. 2026-11-23T18:20:00Z, was '"
							+ UsageEventValidator.abbreviate(value) + "'");
		}
	}

	private static Map<String, String> metadata(JsonNode metadata, String prefix) {
		if (!metadata.isObject()) {
			throw ApiException.badRequest(prefix + "metadata", "must be an object of strings, numbers or booleans");
		}
		Map<String, String> dimensions = new LinkedHashMap<>();
		for (Map.Entry<String, JsonNode> entry : metadata.properties()) {
			JsonNode value = entry.getValue();
			if (!value.isValueNode() || value.isNull()) {
				throw ApiException.badRequest(prefix + "metadata." + UsageEventValidator.abbreviate(entry.getKey()),
						"must be a string, number or boolean");
			}
			dimensions.put(entry.getKey(), value.asString());
		}
		return dimensions;
	}

	private static String requiredString(JsonNode node, String field, String prefix) {
		String value = optionalString(node, field, prefix);
		if (value == null || value.isBlank()) {
			throw ApiException.badRequest(prefix + field, "is required");
		}
		return value;
	}

	private static @Nullable String optionalString(JsonNode node, String field, String prefix) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isString()) {
			throw ApiException.badRequest(prefix + field, "must be a string, was " + value.getNodeType());
		}
		return value.stringValue();
	}

	/** The API's name of a {@link UsageEvent} field the validator reports. */
	static String jsonField(String eventField) {
		return switch (eventField) {
			case "tenantId", "billingScopeId" -> "tenant_id";
			case "meter" -> "metric";
			case "userId" -> "user_id";
			case "occurredAt" -> "timestamp";
			case "idempotencyKey" -> "idempotency_key";
			case "dimensions" -> "metadata";
			default -> eventField;
		};
	}

	/**
	 * The events of a body.
	 *
	 * @param events the events, in body order
	 * @param batch whether the body was an array
	 */
	record Parsed(List<UsageEvent> events, boolean batch) {
	}

}
