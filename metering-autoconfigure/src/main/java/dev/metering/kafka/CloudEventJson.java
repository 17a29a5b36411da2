package dev.metering.kafka;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

/**
 * A usage event as a CloudEvents 1.0 event in structured JSON mode: {@code type} the meter,
 * {@code subject} the tenant, {@code id} the event id, {@code time} when it occurred; the rest of
 * the event in {@code data} (snake_case, as the usage API names the fields). A consumer written
 * for OpenMeter's events reads it: it takes the meter from {@code type}, the subject and a value
 * property such as {@code $.quantity} of {@code data}. Written and read with Jackson's streaming
 * generator and parser, without a tree: the Kafka path encodes and decodes every event; quantities
 * are read as exact decimals, never through a double.
 */
final class CloudEventJson {

	static final String SPEC_VERSION = "1.0";

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private static final ObjectWriter writer = mapper.writer();

	private final String source;

	/**
	 * @param source the CloudEvents {@code source}: who produced the event (the kit instance)
	 */
	CloudEventJson(String source) {
		this.source = source;
	}

	String encode(UsageEvent event) {
		StringWriter out = new StringWriter(384);
		try (JsonGenerator json = writer.createGenerator(out)) {
			json.writeStartObject();
			json.writeStringProperty("specversion", SPEC_VERSION);
			json.writeStringProperty("id", event.eventId().toString());
			json.writeStringProperty("source", this.source);
			json.writeStringProperty("type", event.meter());
			json.writeStringProperty("subject", event.tenantId());
			json.writeStringProperty("time", event.occurredAt().toString());
			json.writeStringProperty("datacontenttype", "application/json");
			json.writeName("data");
			json.writeStartObject();
			json.writeStringProperty("tenant_id", event.tenantId());
			json.writeStringProperty("billing_scope_id", event.billingScopeId());
			json.writeNumberProperty("quantity", event.quantity());
			writeIfSet(json, "user_id", event.userId());
			writeIfSet(json, "resource", event.resource());
			json.writeStringProperty("source", event.source().id());
			writeIfSet(json, "idempotency_key", event.idempotencyKey());
			if (!event.dimensions().isEmpty()) {
				json.writeName("dimensions");
				json.writeStartObject();
				for (Map.Entry<String, String> dimension : event.dimensions().entrySet()) {
					json.writeStringProperty(dimension.getKey(), dimension.getValue());
				}
				json.writeEndObject();
			}
			json.writeEndObject();
			json.writeEndObject();
		}
		return out.toString();
	}

	private static void writeIfSet(JsonGenerator json, String name, @Nullable String value) {
		if (value != null) {
			json.writeStringProperty(name, value);
		}
	}

	/**
	 * Reads an event written by {@link #encode}, in one pass over the text: properties in any
	 * order, unknown ones skipped.
	 * @throws IllegalArgumentException when the text is no such event
	 */
	static UsageEvent decode(String text) {
		Fields fields = new Fields();
		try (JsonParser json = mapper.createParser(text)) {
			if (json.nextToken() != JsonToken.START_OBJECT) {
				throw new IllegalArgumentException("not a JSON object");
			}
			String name;
			while ((name = json.nextName()) != null) {
				JsonToken value = json.nextToken();
				if (name.equals("data") && value == JsonToken.START_OBJECT) {
					readData(json, fields);
				}
				else {
					fields.root(name, stringOrSkip(json, value));
				}
			}
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("not JSON: " + ex.getOriginalMessage(), ex);
		}
		return fields.event();
	}

	private static void readData(JsonParser json, Fields fields) {
		String name;
		while ((name = json.nextName()) != null) {
			JsonToken value = json.nextToken();
			if (name.equals("quantity")) {
				fields.quantity = value.isNumeric() ? json.getDecimalValue() : null;
				json.skipChildren();
			}
			else if (name.equals("dimensions") && value == JsonToken.START_OBJECT) {
				String dimension;
				while ((dimension = json.nextName()) != null) {
					JsonToken dimensionValue = json.nextToken();
					if (dimensionValue.isScalarValue()) {
						fields.dimensions.put(dimension, json.getString());
					}
					else {
						json.skipChildren();
					}
				}
			}
			else {
				fields.data(name, stringOrSkip(json, value));
			}
		}
	}

	/** The value when a string, else null (an object or array skipped). */
	private static @Nullable String stringOrSkip(JsonParser json, JsonToken value) {
		if (value == JsonToken.VALUE_STRING) {
			return json.getString();
		}
		json.skipChildren();
		return null;
	}

	/** What {@link #decode} has read so far. */
	private static final class Fields {

		@Nullable String specVersion;

		@Nullable String id;

		@Nullable String type;

		@Nullable String subject;

		@Nullable String time;

		@Nullable String billingScope;

		@Nullable String userId;

		@Nullable String resource;

		@Nullable String source;

		@Nullable String idempotencyKey;

		@Nullable BigDecimal quantity;

		final Map<String, String> dimensions = new LinkedHashMap<>();

		void root(String name, @Nullable String value) {
			switch (name) {
				case "specversion" -> this.specVersion = value;
				case "id" -> this.id = value;
				case "type" -> this.type = value;
				case "subject" -> this.subject = value;
				case "time" -> this.time = value;
				default -> {
					// source, datacontenttype and extensions: not part of the usage event
				}
			}
		}

		void data(String name, @Nullable String value) {
			switch (name) {
				case "billing_scope_id" -> this.billingScope = value;
				case "user_id" -> this.userId = value;
				case "resource" -> this.resource = value;
				case "source" -> this.source = value;
				case "idempotency_key" -> this.idempotencyKey = value;
				default -> {
					// tenant_id is the subject
				}
			}
		}

		UsageEvent event() {
			if (!SPEC_VERSION.equals(this.specVersion)) {
				throw new IllegalArgumentException("not a CloudEvents 1.0 event");
			}
			String tenant = required(this.subject, "subject");
			if (this.quantity == null) {
				throw new IllegalArgumentException("data.quantity is not a number");
			}
			return new UsageEvent(UUID.fromString(required(this.id, "id")), tenant,
					(this.billingScope != null) ? this.billingScope : tenant, required(this.type, "type"), this.quantity,
					Instant.parse(required(this.time, "time")), this.userId, this.resource, sourceOf(this.source),
					this.idempotencyKey, this.dimensions);
		}

		private static String required(@Nullable String value, String name) {
			if (value == null) {
				throw new IllegalArgumentException("missing " + name);
			}
			return value;
		}

	}

	private static UsageSource sourceOf(@Nullable String id) {
		for (UsageSource source : UsageSource.values()) {
			if (source.id().equals(id)) {
				return source;
			}
		}
		return UsageSource.APPLICATION;
	}

}
