package dev.metering.api;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;

import dev.metering.event.UsageEventValidator;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MutableCoercionConfig;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

import org.springframework.http.HttpStatus;

/**
 * The request bodies of the kit's two APIs, read at a bounded cost: at most a configured number
 * of bytes (413 beyond), numbers of at most {@value #MAX_NUMBER_LENGTH} characters (a quantity
 * has at most 64 digits), nesting at most {@value #MAX_NESTING_DEPTH} deep (an event is three).
 * Records are bound in snake_case with no coercion (a number is not a string, {@code "true"} not
 * a boolean) and unknown fields refused; every failure is an {@link ApiException} 400 naming
 * where in the body it happened and quoting at most 64 characters of it. Not API: public for the
 * admin API's package.
 */
public final class BoundedJson {

	static final int MAX_NUMBER_LENGTH = 100;

	static final int MAX_NESTING_DEPTH = 16;

	// Spring's own converter cannot be given these limits for the kit's routes alone, so the
	// kit reads its bodies itself; responses go through the application's converter.
	private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder()
				.maxNumberLength(MAX_NUMBER_LENGTH)
				.maxNestingDepth(MAX_NESTING_DEPTH)
				.build())
			.build())
		.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
		.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
				DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.withCoercionConfig(LogicalType.Textual, (textual) -> textual.setCoercion(CoercionInputShape.Integer,
				CoercionAction.Fail)
			.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
			.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
		.withCoercionConfig(LogicalType.Boolean, (bool) -> bool.setCoercion(CoercionInputShape.String,
				CoercionAction.Fail)
			.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
			.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
		.withCoercionConfig(LogicalType.Float, BoundedJson::numbersOnly)
		.withCoercionConfig(LogicalType.Integer, BoundedJson::numbersOnly)
		.build();

	// Events: NaN and Infinity parse so they are refused by name ("must be a finite number").
	private static final ObjectReader EVENTS = MAPPER.reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);

	private BoundedJson() {
	}

	private static void numbersOnly(MutableCoercionConfig number) {
		number.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
			.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
			.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
	}

	/**
	 * The request's body, refused with 413 before reading past the limit.
	 * @param request the request
	 * @param maxBytes the largest body
	 * @param property the setting of the limit, for the message
	 * @return the body
	 */
	public static byte[] body(HttpServletRequest request, long maxBytes, String property) {
		if (request.getContentLengthLong() > maxBytes) {
			throw tooLarge(maxBytes, property);
		}
		try (InputStream in = request.getInputStream()) {
			byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
			if (body.length > maxBytes) {
				throw tooLarge(maxBytes, property);
			}
			return body;
		}
		catch (IOException ex) {
			throw ApiException.badRequest("body", "could not read the request body: "
					+ UsageEventValidator.abbreviate(ex.getMessage()));
		}
	}

	private static ApiException tooLarge(long max, String property) {
		return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "body",
				"the body is larger than " + max + " bytes (" + property + ")");
	}

	/**
	 * A body bound to a record.
	 * @param body the body
	 * @param type the record, its components named in snake_case
	 * @return the value
	 * @throws ApiException 400 naming the field at fault, {@code body} for the whole
	 */
	public static <T> T read(byte[] body, Class<T> type) {
		JsonParser parser = MAPPER.createParser(body);
		T value;
		try (parser) {
			value = MAPPER.readValue(parser, type);
		}
		catch (UnrecognizedPropertyException ex) {
			throw ApiException.badRequest(path(ex.getPath()), "unknown field; known: " + known(ex.getKnownPropertyIds()));
		}
		catch (MismatchedInputException ex) {
			throw ApiException.badRequest(path(ex.getPath()), "must be " + expected(ex.getTargetType()));
		}
		catch (DatabindException ex) {
			throw ApiException.badRequest(path(ex.getPath()),
					"could not be read: " + UsageEventValidator.abbreviate(ex.getOriginalMessage()));
		}
		catch (JacksonException ex) {
			throw malformed(ex, parser);
		}
		catch (NumberFormatException ex) {
			throw outOfRange(parser);
		}
		if (value == null) {
			throw ApiException.badRequest("body", "a JSON object is required");
		}
		return value;
	}

	/**
	 * A body as a tree, for the events route, whose parser is written by hand.
	 * @throws ApiException 400 naming the field the parser was in, {@code body} at the top
	 */
	static @Nullable JsonNode readTree(byte[] body) {
		JsonParser parser = EVENTS.createParser(body);
		try (parser) {
			return EVENTS.readTree(parser);
		}
		catch (JacksonException ex) {
			throw malformed(ex, parser);
		}
		catch (NumberFormatException ex) {
			throw outOfRange(parser);
		}
	}

	private static ApiException malformed(JacksonException ex, JsonParser parser) {
		// A value over a limit or not a number (NaN) names its field; anything else (a cut-off body) is the body's fault.
		boolean value = ex instanceof StreamConstraintsException
				|| String.valueOf(ex.getOriginalMessage()).startsWith("Non-standard token")
				|| ex.getCause() instanceof NumberFormatException;
		return ApiException.badRequest(value ? field(parser.streamReadContext()) : "body",
				"malformed JSON: " + UsageEventValidator.abbreviate(ex.getOriginalMessage()));
	}

	private static ApiException outOfRange(JsonParser parser) {
		// A number of few characters BigDecimal still refuses, e.g. an exponent beyond an int (1e9999999999).
		return ApiException.badRequest(field(parser.streamReadContext()), "must be a number within the ledger's "
				+ "range (less than 1E+" + UsageEventValidator.MAX_QUANTITY_INTEGER_DIGITS + ")");
	}

	private static String expected(@Nullable Class<?> type) {
		if (type == null) {
			return "of another type";
		}
		if (type == String.class) {
			return "a string";
		}
		if (type == Boolean.class || type == boolean.class) {
			return "true, false or null";
		}
		if (Number.class.isAssignableFrom(type) || type == BigDecimal.class || type == BigInteger.class
				|| type.isPrimitive()) {
			return "a number";
		}
		if (type.isRecord()) {
			return "a JSON object";
		}
		return "of another type";
	}

	private static String known(@Nullable Collection<Object> names) {
		return (names != null) ? String.join(", ", names.stream().map(String::valueOf).sorted().toList()) : "";
	}

	/** {@code [2].quantity} for the third element's {@code quantity}, {@code body} for the whole. */
	private static String path(List<JacksonException.Reference> path) {
		StringBuilder field = new StringBuilder();
		for (JacksonException.Reference reference : path) {
			if (reference.getPropertyName() != null) {
				if (field.length() > 0) {
					field.append('.');
				}
				field.append(UsageEventValidator.abbreviate(reference.getPropertyName()));
			}
			else if (reference.getIndex() >= 0) {
				field.append('[').append(reference.getIndex()).append(']');
			}
		}
		return (field.length() > 0) ? field.toString() : "body";
	}

	/** {@code [2].quantity} for the context of the third element's {@code quantity}. */
	private static String field(@Nullable TokenStreamContext context) {
		StringBuilder path = new StringBuilder();
		for (TokenStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
			String segment = at.inArray() ? "[" + Math.max(0, at.getCurrentIndex()) + "]"
					: (at.currentName() != null) ? UsageEventValidator.abbreviate(at.currentName()) : "";
			if (!segment.isEmpty() && path.length() > 0 && path.charAt(0) != '[') {
				path.insert(0, '.');
			}
			path.insert(0, segment);
		}
		return (path.length() > 0) ? path.toString() : "body";
	}

}
