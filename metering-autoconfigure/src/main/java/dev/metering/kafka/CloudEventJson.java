package dev.metering.kafka;

import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.SerializedString;
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
 * bytes with Jackson's streaming generator and parser: no tree, no intermediate String of the
 * document, and on reading no String for a property the event does not keep; the id and the time
 * are read from the parser's characters. Quantities are read as exact decimals, never through a
 * double.
 * <p>
 * Over 350 lines: the wire format written and read in one place, both directions side by side, so
 * a field cannot change on one side only.
 */
final class CloudEventJson {

	static final String SPEC_VERSION = "1.0";

	private static final JsonFactory factory = JsonFactory.builder().build();

	private static final SerializableString SPECVERSION = new SerializedString("specversion");

	private static final SerializableString ID = new SerializedString("id");

	private static final SerializableString SOURCE = new SerializedString("source");

	private static final SerializableString TYPE = new SerializedString("type");

	private static final SerializableString SUBJECT = new SerializedString("subject");

	private static final SerializableString TIME = new SerializedString("time");

	private static final SerializableString DATACONTENTTYPE = new SerializedString("datacontenttype");

	private static final SerializableString APPLICATION_JSON = new SerializedString("application/json");

	private static final SerializableString DATA = new SerializedString("data");

	private static final SerializableString TENANT_ID = new SerializedString("tenant_id");

	private static final SerializableString BILLING_SCOPE_ID = new SerializedString("billing_scope_id");

	private static final SerializableString QUANTITY = new SerializedString("quantity");

	private static final SerializableString USER_ID = new SerializedString("user_id");

	private static final SerializableString RESOURCE = new SerializedString("resource");

	private static final SerializableString IDEMPOTENCY_KEY = new SerializedString("idempotency_key");

	private static final SerializableString DIMENSIONS = new SerializedString("dimensions");

	private static final SerializableString VERSION_1_0 = new SerializedString(SPEC_VERSION);

	private static final SerializableString[] SOURCE_IDS = Arrays.stream(UsageSource.values())
		.map((source) -> new SerializedString(source.id()))
		.toArray(SerializableString[]::new);

	private final SerializableString source;

	/**
	 * @param source the CloudEvents {@code source}: who produced the event (the kit instance)
	 */
	CloudEventJson(String source) {
		this.source = new SerializedString(source);
	}

	/**
	 * The event as CloudEvents JSON in UTF-8, its properties in a fixed order.
	 * @param event the event
	 * @return the document's bytes
	 */
	byte[] encode(UsageEvent event) {
		SingleWrite out = new SingleWrite();
		char[] chars = new char[IsoInstant.MAX_LENGTH];
		try (JsonGenerator json = factory.createGenerator(out)) {
			json.writeStartObject();
			json.writeName(SPECVERSION);
			json.writeString(VERSION_1_0);
			json.writeName(ID);
			json.writeString(event.eventId().toString());
			json.writeName(SOURCE);
			json.writeString(this.source);
			json.writeName(TYPE);
			json.writeString(event.meter());
			json.writeName(SUBJECT);
			json.writeString(event.tenantId());
			json.writeName(TIME);
			json.writeString(chars, 0, IsoInstant.format(event.occurredAt(), chars));
			json.writeName(DATACONTENTTYPE);
			json.writeString(APPLICATION_JSON);
			json.writeName(DATA);
			json.writeStartObject();
			json.writeName(TENANT_ID);
			json.writeString(event.tenantId());
			json.writeName(BILLING_SCOPE_ID);
			json.writeString(event.billingScopeId());
			json.writeName(QUANTITY);
			json.writeNumber(event.quantity());
			writeIfSet(json, USER_ID, event.userId());
			writeIfSet(json, RESOURCE, event.resource());
			json.writeName(SOURCE);
			json.writeString(SOURCE_IDS[event.source().ordinal()]);
			writeIfSet(json, IDEMPOTENCY_KEY, event.idempotencyKey());
			if (!event.dimensions().isEmpty()) {
				json.writeName(DIMENSIONS);
				json.writeStartObject();
				for (Map.Entry<String, String> dimension : event.dimensions().entrySet()) {
					json.writeStringProperty(dimension.getKey(), dimension.getValue());
				}
				json.writeEndObject();
			}
			json.writeEndObject();
			json.writeEndObject();
		}
		return out.bytes();
	}

	private static void writeIfSet(JsonGenerator json, SerializableString name, @Nullable String value) {
		if (value != null) {
			json.writeName(name);
			json.writeString(value);
		}
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

	/**
	 * The generator's output: one document of a few hundred bytes reaches it in a single write
	 * when the generator closes, which becomes the result without a further copy of a buffer.
	 */
	private static final class SingleWrite extends OutputStream {

		private byte[] bytes = new byte[0];

		@Override
		public void write(int b) {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] b, int off, int len) {
			int had = this.bytes.length;
			if (had == 0) {
				this.bytes = Arrays.copyOfRange(b, off, off + len);
				return;
			}
			this.bytes = Arrays.copyOf(this.bytes, had + len);
			System.arraycopy(b, off, this.bytes, had, len);
		}

		byte[] bytes() {
			return this.bytes;
		}

	}

}
