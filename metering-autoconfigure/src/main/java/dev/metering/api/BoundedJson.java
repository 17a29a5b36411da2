package dev.metering.api;

import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parsing of the API's request bodies at a bounded cost: numbers of at most
 * {@value #MAX_NUMBER_LENGTH} characters (a quantity has at most 64 digits), nesting at most
 * {@value #MAX_NESTING_DEPTH} deep (an event is three), and a parse failure reported as a 400
 * naming where in the body it happened.
 */
final class BoundedJson {

	static final int MAX_NUMBER_LENGTH = 100;

	static final int MAX_NESTING_DEPTH = 16;

	private BoundedJson() {
	}

	static JsonFactory factory() {
		return JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder()
				.maxNumberLength(MAX_NUMBER_LENGTH)
				.maxNestingDepth(MAX_NESTING_DEPTH)
				.build())
			.build();
	}

	/**
	 * The body as a tree.
	 * @throws ApiException 400 naming the field the parser was in, {@code body} at the top
	 */
	static @Nullable JsonNode readTree(JsonMapper mapper, byte[] body) {
		JsonParser parser = mapper.createParser(body);
		try (parser) {
			return mapper.readTree(parser);
		}
		catch (JacksonException ex) {
			// A value over a limit names its field; anything else (a cut-off body) is the body's fault.
			String field = (ex instanceof StreamConstraintsException) ? field(parser.streamReadContext()) : "body";
			throw ApiException.badRequest(field,
					"malformed JSON: " + UsageEventValidator.abbreviate(ex.getOriginalMessage()));
		}
		catch (NumberFormatException ex) {
			// A number of few characters BigDecimal still refuses, e.g. an exponent beyond an int (1e9999999999).
			throw ApiException.badRequest(field(parser.streamReadContext()), "must be a number within the ledger's "
					+ "range (less than 1E+" + UsageEventValidator.MAX_QUANTITY_INTEGER_DIGITS + ")");
		}
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
