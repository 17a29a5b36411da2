package dev.metering.kafka;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

/**
 * A usage event as a CloudEvents 1.0 event in structured JSON mode: {@code type} the meter,
 * {@code subject} the tenant, {@code id} the event id, {@code time} when it occurred; the rest of
 * the event in {@code data} (snake_case, as the usage API names the fields). A consumer written
 * for OpenMeter's events reads it: it takes the meter from {@code type}, the subject and a value
 * property such as {@code $.quantity} of {@code data}.
 */
final class CloudEventJson {

	static final String SPEC_VERSION = "1.0";

	/** Quantities are decimals: read exactly, never through a double. */
	private static final JsonMapper mapper = JsonMapper.builder()
		.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.build();

	private final String source;

	/**
	 * @param source the CloudEvents {@code source}: who produced the event (the kit instance)
	 */
	CloudEventJson(String source) {
		this.source = source;
	}

	String encode(UsageEvent event) {
		ObjectNode root = mapper.createObjectNode();
		root.put("specversion", SPEC_VERSION);
		root.put("id", event.eventId().toString());
		root.put("source", this.source);
		root.put("type", event.meter());
		root.put("subject", event.tenantId());
		root.put("time", event.occurredAt().toString());
		root.put("datacontenttype", "application/json");
		ObjectNode data = root.putObject("data");
		data.put("tenant_id", event.tenantId());
		data.put("billing_scope_id", event.billingScopeId());
		data.put("quantity", event.quantity());
		putIfSet(data, "user_id", event.userId());
		putIfSet(data, "resource", event.resource());
		data.put("source", event.source().id());
		putIfSet(data, "idempotency_key", event.idempotencyKey());
		if (!event.dimensions().isEmpty()) {
			ObjectNode dimensions = data.putObject("dimensions");
			event.dimensions().forEach(dimensions::put);
		}
		return mapper.writeValueAsString(root);
	}

	private static void putIfSet(ObjectNode node, String name, @Nullable String value) {
		if (value != null) {
			node.put(name, value);
		}
	}

	/**
	 * Reads an event written by {@link #encode}.
	 * @throws IllegalArgumentException when the text is no such event
	 */
	static UsageEvent decode(String json) {
		JsonNode root;
		try {
			root = mapper.readTree(json);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("not JSON: " + ex.getOriginalMessage(), ex);
		}
		if (!SPEC_VERSION.equals(text(root, "specversion"))) {
			throw new IllegalArgumentException("not a CloudEvents 1.0 event");
		}
		JsonNode data = root.path("data");
		String tenant = required(root, "subject");
		JsonNode quantity = data.path("quantity");
		if (!quantity.isNumber()) {
			throw new IllegalArgumentException("data.quantity is not a number");
		}
		Map<String, String> dimensions = new LinkedHashMap<>();
		data.path("dimensions").properties().forEach((entry) -> dimensions.put(entry.getKey(), entry.getValue().asString()));
		String billingScope = text(data, "billing_scope_id");
		return new UsageEvent(UUID.fromString(required(root, "id")), tenant, (billingScope != null) ? billingScope : tenant,
				required(root, "type"), quantity.decimalValue(), Instant.parse(required(root, "time")),
				text(data, "user_id"), text(data, "resource"), sourceOf(text(data, "source")),
				text(data, "idempotency_key"), dimensions);
	}

	private static UsageSource sourceOf(@Nullable String id) {
		for (UsageSource source : UsageSource.values()) {
			if (source.id().equals(id)) {
				return source;
			}
		}
		return UsageSource.APPLICATION;
	}

	private static String required(JsonNode node, String name) {
		String value = text(node, name);
		if (value == null) {
			throw new IllegalArgumentException("missing " + name);
		}
		return value;
	}

	private static @Nullable String text(JsonNode node, String name) {
		JsonNode value = node.path(name);
		return value.isString() ? value.asString() : null;
	}

}
