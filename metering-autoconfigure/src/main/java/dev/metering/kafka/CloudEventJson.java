package dev.metering.kafka;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.json.JsonFactory;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

/**
 * A usage event as a CloudEvents 1.0 event in structured JSON mode: {@code type} the meter,
 * {@code subject} the tenant, {@code id} the event id, {@code time} when it occurred; the rest of
 * the event in {@code data} (snake_case, as the usage API names the fields). A consumer written
 * for OpenMeter's events reads it: it takes the meter from {@code type}, the subject and a value
 * property such as {@code $.quantity} of {@code data}.
 * <p>
 * The Kafka path encodes and decodes every event, so both go straight between the event and UTF-8
 * bytes. {@link CloudEventEncoder} writes the document into a byte array (the constant parts
 * prepared once, strings escaped as Jackson's generator escapes them); {@link CloudEventFastReader}
 * reads a document in exactly that layout with plain ASCII strings by comparing and cutting bytes,
 * and any other document (another writer's order, escapes, non-ASCII text) is read by Jackson's
 * streaming parser: no tree, no intermediate String of the document, no String for a property the
 * event does not keep; the id and the time read from the parser's characters. Quantities are read
 * as exact decimals, never through a double.
 */
final class CloudEventJson {

	static final String SPEC_VERSION = "1.0";

	private static final JsonFactory factory = JsonFactory.builder().build();

	private final CloudEventEncoder encoder;

	/**
	 * @param source the CloudEvents {@code source}: who produced the event (the kit instance)
	 */
	CloudEventJson(String source) {
		this.encoder = new CloudEventEncoder(source);
	}

	/**
	 * The event as CloudEvents JSON in UTF-8, its properties in a fixed order.
	 * @param event the event
	 * @return the document's bytes
	 */
	byte[] encode(UsageEvent event) {
		return this.encoder.encode(event);
	}

	/**
	 * Reads an event written by {@link #encode} from a record's value, in one pass: properties in
	 * any order, unknown ones skipped.
	 * @param value the UTF-8 document; read from its position to its limit, which stay as they are
	 * @throws IllegalArgumentException when the bytes are no such event
	 */
	static UsageEvent decode(ByteBuffer value) {
		if (value.hasArray()) {
			return decode(value.array(), value.arrayOffset() + value.position(), value.remaining());
		}
		byte[] copy = new byte[value.remaining()];
		value.duplicate().get(copy);
		return decode(copy, 0, copy.length);
	}

	/**
	 * Reads an event written by {@link #encode} from text.
	 * @throws IllegalArgumentException when the text is no such event
	 */
	static UsageEvent decode(String text) {
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		return decode(bytes, 0, bytes.length);
	}

	/**
	 * Reads an event written by {@link #encode} from UTF-8 bytes, in one pass: properties in any
	 * order, unknown ones skipped.
	 * @throws IllegalArgumentException when the bytes are no such event
	 */
	static UsageEvent decode(byte[] bytes, int offset, int length) {
		UsageEvent plain = CloudEventFastReader.read(bytes, offset, length);
		return (plain != null) ? plain : parse(bytes, offset, length);
	}

	/**
	 * Reads an event with the parser: any document {@link #decode} reads, in any layout.
	 * @throws IllegalArgumentException when the bytes are no such event
	 */
	static UsageEvent parse(byte[] bytes, int offset, int length) {
		Fields fields = new Fields();
		try (JsonParser json = factory.createParser(bytes, offset, length)) {
			if (json.nextToken() != JsonToken.START_OBJECT) {
				throw new IllegalArgumentException("not a JSON object");
			}
			String name;
			while ((name = json.nextName()) != null) {
				JsonToken value = json.nextToken();
				if (name.equals("data") && value == JsonToken.START_OBJECT) {
					readData(json, fields);
				}
				else if (value == JsonToken.VALUE_STRING) {
					fields.root(name, json);
				}
				else {
					json.skipChildren();
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
						fields.dimension(dimension, json.getString());
					}
					else {
						json.skipChildren();
					}
				}
			}
			else if (value == JsonToken.VALUE_STRING) {
				fields.data(name, json);
			}
			else {
				json.skipChildren();
			}
		}
	}

	/**
	 * What {@link #decode} has read so far; a string property's value is taken only when the
	 * event keeps it (the parser skips the others unread).
	 */
	private static final class Fields {

		@Nullable String specVersion;

		@Nullable UUID id;

		@Nullable String type;

		@Nullable String subject;

		@Nullable Instant time;

		@Nullable String billingScope;

		@Nullable String userId;

		@Nullable String resource;

		UsageSource source = UsageSource.APPLICATION;

		@Nullable String idempotencyKey;

		@Nullable BigDecimal quantity;

		/** The first dimension; a map only from the second on (most events have one or none). */
		@Nullable String dimensionName;

		@Nullable String dimensionValue;

		@Nullable Map<String, String> dimensions;

		void root(String name, JsonParser json) {
			switch (name) {
				case "specversion" -> this.specVersion = json.getString();
				case "id" -> this.id = Uuids.parse(json.getStringCharacters(), json.getStringOffset(),
						json.getStringLength());
				case "type" -> this.type = json.getString();
				case "subject" -> this.subject = json.getString();
				case "time" -> this.time = IsoInstant.parse(json.getStringCharacters(), json.getStringOffset(),
						json.getStringLength());
				default -> {
					// source, datacontenttype and extensions: not part of the usage event
				}
			}
		}

		void data(String name, JsonParser json) {
			switch (name) {
				case "billing_scope_id" -> this.billingScope = json.getString();
				case "user_id" -> this.userId = json.getString();
				case "resource" -> this.resource = json.getString();
				case "source" -> this.source = sourceOf(json.getStringCharacters(), json.getStringOffset(),
						json.getStringLength());
				case "idempotency_key" -> this.idempotencyKey = json.getString();
				default -> {
					// tenant_id is the subject
				}
			}
		}

		void dimension(String name, String value) {
			if (this.dimensions != null) {
				this.dimensions.put(name, value);
			}
			else if (this.dimensionName == null || this.dimensionName.equals(name)) {
				this.dimensionName = name;
				this.dimensionValue = value;
			}
			else {
				this.dimensions = new LinkedHashMap<>();
				this.dimensions.put(this.dimensionName, this.dimensionValue);
				this.dimensions.put(name, value);
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
			Map<String, String> dimensions = (this.dimensions != null) ? this.dimensions
					: (this.dimensionName != null) ? Map.of(this.dimensionName, this.dimensionValue) : Map.of();
			return new UsageEvent(required(this.id, "id"), tenant, (this.billingScope != null) ? this.billingScope : tenant,
					required(this.type, "type"), this.quantity, required(this.time, "time"), this.userId, this.resource,
					this.source, this.idempotencyKey, dimensions);
		}

		private static <T> T required(@Nullable T value, String name) {
			if (value == null) {
				throw new IllegalArgumentException("missing " + name);
			}
			return value;
		}

	}

	/** The source whose id the characters are; {@link UsageSource#APPLICATION} for any other. */
	private static UsageSource sourceOf(char[] chars, int offset, int length) {
		for (UsageSource source : UsageSource.values()) {
			if (sameText(source.id(), chars, offset, length)) {
				return source;
			}
		}
		return UsageSource.APPLICATION;
	}

	private static boolean sameText(String text, char[] chars, int offset, int length) {
		if (text.length() != length) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			if (text.charAt(i) != chars[offset + i]) {
				return false;
			}
		}
		return true;
	}

}
