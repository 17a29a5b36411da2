package dev.metering.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Reads CloudEvents 1.0 in the structured JSON format ({@code application/cloudevents+json}, one
 * event object) and its batch format ({@code application/cloudevents-batch+json}, an array of
 * them), strictly: {@code specversion} {@code 1.0}, non-empty {@code id}, {@code source} and
 * {@code type}, an RFC 3339 {@code time}, JSON {@code data} (an object), extension attributes
 * named in lower-case letters and digits with a string, number or boolean value. Every event is
 * read before any is used; the first fault is an {@link ApiException} naming the attribute,
 * prefixed by the event's index in a batch ({@code [3].specversion}).
 * <p>
 * Written over {@link BoundedJson} rather than the CloudEvents SDK's format module: that module
 * is Jackson 2 (the kit is Jackson 3), has no batch format, names no field in its errors and
 * reads outside the kit's bounds.
 */
final class CloudEventsJson {

	static final String STRUCTURED = "application/cloudevents+json";

	static final String BATCH = "application/cloudevents-batch+json";

	/** The longest {@code id} or {@code source}: they only identify the event, they are not stored. */
	static final int MAX_IDENTITY_LENGTH = 1024;

	/** The attributes of the specification (1.0); any other member is an extension. */
	private static final Set<String> CONTEXT_ATTRIBUTES = Set.of("specversion", "id", "source", "type", "subject",
			"time", "datacontenttype", "dataschema", "data", "data_base64");

	private CloudEventsJson() {
	}

	/**
	 * The events of a body.
	 * @param body the body
	 * @param batch whether it is the batch format (an array) rather than one event
	 * @param maxBatchSize the most events a batch may hold
	 * @return the events, in body order
	 * @throws ApiException 400 naming the attribute at fault
	 */
	static List<CloudEvent> read(byte[] body, boolean batch, int maxBatchSize) {
		JsonNode root = BoundedJson.readTree(body);
		if (root == null || root.isMissingNode()) {
			throw ApiException.badRequest("body", batch ? "an array of CloudEvents is required" : "a CloudEvent is required");
		}
		if (!batch) {
			if (!root.isObject()) {
				throw ApiException.badRequest("body", "must be one CloudEvent object (" + STRUCTURED
						+ "); send an array as " + BATCH);
			}
			return List.of(event(root, ""));
		}
		if (!root.isArray()) {
			throw ApiException.badRequest("body", "must be an array of CloudEvents (" + BATCH + ")");
		}
		if (root.isEmpty()) {
			throw ApiException.badRequest("body", "the batch must not be empty");
		}
		if (root.size() > maxBatchSize) {
			throw ApiException.badRequest("body", "a batch holds at most " + maxBatchSize
					+ " events (metering.api.max-batch-size), was " + root.size());
		}
		List<CloudEvent> events = new ArrayList<>(root.size());
		for (int i = 0; i < root.size(); i++) {
			JsonNode node = root.get(i);
			if (!node.isObject()) {
				throw ApiException.badRequest("[" + i + "]", "must be a CloudEvent object");
			}
			events.add(event(node, "[" + i + "]."));
		}
		return events;
	}

	private static CloudEvent event(JsonNode node, String prefix) {
		String version = string(node, "specversion", prefix, true);
		if (!"1.0".equals(version)) {
			throw ApiException.badRequest(prefix + "specversion",
					"must be 1.0, was '" + UsageEventValidator.abbreviate(version) + "'");
		}
		String id = identity(node, "id", prefix);
		String source = identity(node, "source", prefix);
		String type = string(node, "type", prefix, true);
		String subject = string(node, "subject", prefix, false);
		if (subject == null) {
			// OpenMeter's reading: the subject is whose usage this is; without it there is no tenant.
			throw ApiException.badRequest(prefix + "subject", "is required: the tenant whose usage this is");
		}
		String time = string(node, "time", prefix, false);
		String contentType = string(node, "datacontenttype", prefix, false);
		if (contentType != null && !isJson(contentType)) {
			throw ApiException.badRequest(prefix + "datacontenttype", "must be application/json or a +json type: "
					+ "meters read the data as JSON, was '" + UsageEventValidator.abbreviate(contentType) + "'");
		}
		string(node, "dataschema", prefix, false);
		JsonNode base64 = node.get("data_base64");
		if (base64 != null && !base64.isNull()) {
			throw ApiException.badRequest(prefix + "data_base64",
					"binary data cannot be read by meters: send the data as a JSON object in data");
		}
		for (Map.Entry<String, JsonNode> member : node.properties()) {
			if (!CONTEXT_ATTRIBUTES.contains(member.getKey())) {
				extension(member.getKey(), member.getValue(), prefix);
			}
		}
		return new CloudEvent(id, source, type, subject, (time != null) ? instant(time, prefix) : null,
				data(node.get("data"), prefix));
	}

	private static String identity(JsonNode node, String attribute, String prefix) {
		String value = string(node, attribute, prefix, true);
		if (value.length() > MAX_IDENTITY_LENGTH) {
			throw ApiException.badRequest(prefix + attribute,
					"must be at most " + MAX_IDENTITY_LENGTH + " characters, was " + value.length());
		}
		return value;
	}

	/** A string attribute; JSON {@code null} is an absent attribute. */
	private static @Nullable String string(JsonNode node, String attribute, String prefix, boolean required) {
		JsonNode value = node.get(attribute);
		if (value == null || value.isNull()) {
			if (required) {
				throw ApiException.badRequest(prefix + attribute, "is required");
			}
			return null;
		}
		if (!value.isString()) {
			throw ApiException.badRequest(prefix + attribute, "must be a string, was " + value.getNodeType());
		}
		String text = value.stringValue();
		if (text.isEmpty()) {
			throw ApiException.badRequest(prefix + attribute, "must not be empty");
		}
		return text;
	}

	private static void extension(String name, JsonNode value, String prefix) {
		if (!isExtensionName(name)) {
			throw ApiException.badRequest(prefix + UsageEventValidator.abbreviate(name),
					"is not a CloudEvents attribute: extension names are 1 to 20 lower-case letters and digits");
		}
		if (!value.isNull() && !value.isString() && !value.isBoolean() && !value.isIntegralNumber()) {
			throw ApiException.badRequest(prefix + name,
					"an extension attribute is a string, an integer or a boolean, was " + value.getNodeType());
		}
	}

	private static boolean isExtensionName(String name) {
		if (name.isEmpty() || name.length() > 20) {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
				return false;
			}
		}
		return true;
	}

	private static boolean isJson(String contentType) {
		int parameters = contentType.indexOf(';');
		String type = ((parameters >= 0) ? contentType.substring(0, parameters) : contentType).strip()
			.toLowerCase(Locale.ROOT);
		return type.equals("application/json") || type.equals("text/json")
				|| (type.endsWith("+json") && type.indexOf('/') > 0);
	}

	private static Instant instant(String value, String prefix) {
		try {
			return OffsetDateTime.parse(value).toInstant();
		}
		catch (DateTimeParseException ex) {
			throw ApiException.badRequest(prefix + "time", "must be an RFC 3339 timestamp, e.g. 2026-11-23T18:20:00Z, "
					+ "was '" + UsageEventValidator.abbreviate(value) + "'");
		}
	}

	private static Map<String, @Nullable Object> data(@Nullable JsonNode data, String prefix) {
		if (data == null || data.isNull()) {
			return Map.of();
		}
		if (!data.isObject()) {
			throw ApiException.badRequest(prefix + "data",
					"must be a JSON object (meters read it with JSON Pointers), was " + data.getNodeType());
		}
		@SuppressWarnings("unchecked")
		Map<String, @Nullable Object> tree = (Map<String, @Nullable Object>) javaTree(data);
		return tree;
	}

	/**
	 * The plain Java tree the meter definitions read: maps, lists, strings, numbers (a
	 * {@code Long}, {@code BigInteger} or {@code BigDecimal}; a {@code Double} for NaN and the
	 * infinities, which a meter refuses by name), booleans and {@code null}.
	 */
	static @Nullable Object javaTree(JsonNode node) {
		if (node.isObject()) {
			Map<String, @Nullable Object> object = new LinkedHashMap<>();
			for (Map.Entry<String, JsonNode> member : node.properties()) {
				object.put(member.getKey(), javaTree(member.getValue()));
			}
			return object;
		}
		if (node.isArray()) {
			List<@Nullable Object> array = new ArrayList<>(node.size());
			for (JsonNode element : node) {
				array.add(javaTree(element));
			}
			return array;
		}
		if (node.isString()) {
			return node.stringValue();
		}
		if (node.isIntegralNumber()) {
			return node.canConvertToLong() ? (Object) node.longValue() : (Object) node.bigIntegerValue();
		}
		if (node.isNumber()) {
			return ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue()))
					? (Object) node.doubleValue() : (Object) node.decimalValue();
		}
		if (node.isBoolean()) {
			return node.booleanValue();
		}
		return null;
	}

	/**
	 * One CloudEvent as the kit reads it.
	 *
	 * @param id its {@code id}
	 * @param source its {@code source}
	 * @param type its {@code type}: which meters read it
	 * @param subject its {@code subject}: the tenant
	 * @param time its {@code time}, {@code null} when absent
	 * @param data its {@code data}, empty when absent
	 */
	record CloudEvent(String id, String source, String type, String subject, @Nullable Instant time,
			Map<String, @Nullable Object> data) {

		/**
		 * The key that makes this event's ledger ids: its source and id, length-prefixed so no
		 * two pairs share a key. The same (source, id) sent again gives the same ids.
		 */
		String dedupKey() {
			return "ce:" + this.source.length() + ":" + this.source + this.id;
		}

	}

}
