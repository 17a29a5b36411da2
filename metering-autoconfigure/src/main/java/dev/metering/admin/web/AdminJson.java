package dev.metering.admin.web;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.metering.admin.AuditEntry;
import dev.metering.admin.EffectiveQuotas;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.admin.QuotaRow;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import dev.metering.event.UsageEventValidator;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API's JSON: request bodies read with a size limit and checked field by field
 * (unknown fields and wrong types are 400s naming the field), responses in snake_case.
 */
final class AdminJson {

	// Numbers of at most 100 characters (a limit has at most 38 digits) and shallow bodies: the
	// parse itself stays cheap whatever is sent.
	private final JsonMapper mapper = JsonMapper.builder(JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(100).maxNestingDepth(16).build())
			.build())
		.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
		.build();

	private final long maxBodyBytes;

	AdminJson(long maxBodyBytes) {
		this.maxBodyBytes = maxBodyBytes;
	}

	/**
	 * Reads a JSON object body with only the allowed fields.
	 * @throws BodyTooLargeException over the size limit
	 * @throws InvalidDefinitionException for malformed JSON, unknown fields
	 */
	Map<String, Object> readObject(HttpServletRequest request, Set<String> allowed) throws IOException {
		if (request.getContentLengthLong() > this.maxBodyBytes) {
			throw new BodyTooLargeException(this.maxBodyBytes);
		}
		byte[] body;
		try (InputStream in = request.getInputStream()) {
			body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, this.maxBodyBytes + 1));
		}
		if (body.length > this.maxBodyBytes) {
			throw new BodyTooLargeException(this.maxBodyBytes);
		}
		Object parsed;
		JsonParser parser = this.mapper.createParser(body);
		try (parser) {
			parsed = this.mapper.readValue(parser, Object.class);
		}
		catch (JacksonException ex) {
			// A value over a limit or not a number (NaN) names its field; a cut-off body is the body's fault.
			boolean value = ex instanceof StreamConstraintsException
					|| String.valueOf(ex.getOriginalMessage()).startsWith("Non-standard token");
			throw new InvalidDefinitionException(value ? field(parser) : "body", null,
					"malformed JSON: " + UsageEventValidator.abbreviate(ex.getOriginalMessage()));
		}
		catch (NumberFormatException ex) {
			// A short number BigDecimal still refuses: an exponent beyond an int (1e9999999999).
			throw new InvalidDefinitionException(field(parser), null, "a number out of range");
		}
		if (!(parsed instanceof Map<?, ?> map)) {
			throw new InvalidDefinitionException("body", null, "a JSON object is required");
		}
		Map<String, Object> fields = new LinkedHashMap<>();
		map.forEach((key, value) -> {
			String name = String.valueOf(key);
			if (!allowed.contains(name)) {
				throw new InvalidDefinitionException(UsageEventValidator.abbreviate(name), value,
						"unknown field; known: " + String.join(", ", allowed));
			}
			fields.put(name, value);
		});
		return fields;
	}

	/** The top-level field the parser was in when it failed, or {@code body}. */
	private static String field(JsonParser parser) {
		TokenStreamContext context = parser.streamReadContext();
		while (context != null && context.getParent() != null && !context.getParent().inRoot()) {
			context = context.getParent();
		}
		String name = (context != null && context.inObject()) ? context.currentName() : null;
		return (name != null) ? UsageEventValidator.abbreviate(name) : "body";
	}

	static @Nullable String string(Map<String, Object> body, String field) {
		Object value = body.get(field);
		if (value == null || value instanceof String) {
			return (String) value;
		}
		throw new InvalidDefinitionException(field, value, "must be a string");
	}

	static @Nullable Boolean bool(Map<String, Object> body, String field) {
		Object value = body.get(field);
		if (value == null || value instanceof Boolean) {
			return (Boolean) value;
		}
		throw new InvalidDefinitionException(field, value, "must be true, false or null");
	}

	static @Nullable BigDecimal decimal(Map<String, Object> body, String field) {
		Object value = body.get(field);
		if (value == null) {
			return null;
		}
		if (value instanceof BigDecimal decimal) {
			return decimal;
		}
		if (value instanceof BigInteger integer) {
			return new BigDecimal(integer);
		}
		if (value instanceof Number number) {
			return new BigDecimal(number.toString());
		}
		throw new InvalidDefinitionException(field, value, "must be a number");
	}

	static @Nullable Double fraction(Map<String, Object> body, String field) {
		BigDecimal value = decimal(body, field);
		return (value != null) ? value.doubleValue() : null;
	}

	String write(Object value) {
		return this.mapper.writeValueAsString(value);
	}

	static Map<String, Object> explained(EffectiveQuotas quotas) {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("tenant_id", quotas.tenantId());
		json.put("plan", quotas.plan());
		json.put("plan_origin", origin(quotas.planOrigin()));
		json.put("exempt", quotas.exempt());
		json.put("exempt_origin", origin(quotas.exemptOrigin()));
		json.put("quotas", quotas.quotas().stream().map((quota) -> {
			Map<String, Object> q = new LinkedHashMap<>();
			q.put("name", quota.policy().name());
			q.put("meter", quota.policy().meter());
			q.put("window", quota.policy().window().id());
			q.put("limit", quota.policy().limit());
			q.put("enforcement", quota.policy().enforcement().id());
			q.put("soft_threshold", quota.policy().softThreshold());
			q.put("level", quota.level());
			q.put("origin", origin(quota.origin()));
			return q;
		}).toList());
		return json;
	}

	static List<Map<String, Object>> quotaRows(List<QuotaRow> rows) {
		return rows.stream().map((row) -> {
			Map<String, Object> q = new LinkedHashMap<>();
			q.put("meter", row.meter());
			q.put("window", row.window().id());
			q.put("limit", row.limit());
			q.put("enforcement", row.enforcement().id());
			q.put("soft_threshold", row.softThreshold());
			return q;
		}).toList();
	}

	static List<Map<String, Object>> audit(List<AuditEntry> entries) {
		return entries.stream().map((entry) -> {
			Map<String, Object> e = new LinkedHashMap<>();
			e.put("id", entry.id());
			e.put("changed_at", entry.changedAt().toString());
			e.put("actor", entry.actor());
			e.put("action", entry.action());
			e.put("target", entry.target());
			e.put("old_value", entry.oldValue());
			e.put("new_value", entry.newValue());
			return e;
		}).toList();
	}

	private static String origin(Enum<?> origin) {
		return origin.name().toLowerCase(Locale.ROOT);
	}

	/** A request body over the limit (413). */
	static final class BodyTooLargeException extends RuntimeException {

		BodyTooLargeException(long max) {
			super("The request body is larger than " + max + " bytes");
		}

	}

}
