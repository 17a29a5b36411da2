package dev.metering.meter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.event.InvalidUsageEventException;
import org.jspecify.annotations.Nullable;

/**
 * A JSON Pointer (RFC 6901) into an event's data, e.g. {@code /usage/total_tokens}, read over
 * the plain Java tree the kit uses for data ({@code Map}, {@code List}, scalars). A failure names
 * the field as {@code data} followed by the pointer ({@code data/usage/total_tokens}).
 *
 * @param text the pointer as written
 * @param tokens its reference tokens, unescaped ({@code ~1} is {@code /}, {@code ~0} is {@code ~})
 */
public record DataPointer(String text, List<String> tokens) {

	/** The reading of a property that is absent. */
	private static final Object MISSING = new Object();

	public DataPointer {
		tokens = List.copyOf(tokens);
	}

	/**
	 * Parses a pointer into the data; the whole document ({@code ""}) is not a property and is
	 * refused.
	 * @param text the pointer
	 * @return the pointer
	 * @throws IllegalArgumentException saying what is wrong with it
	 */
	public static DataPointer parse(String text) {
		if (text == null || text.isEmpty()) {
			throw new IllegalArgumentException("must be a JSON Pointer to a property of the data, e.g. /usage/tokens");
		}
		if (text.charAt(0) != '/') {
			throw new IllegalArgumentException("a JSON Pointer starts with '/', e.g. /" + text);
		}
		List<String> tokens = new ArrayList<>();
		for (String raw : text.substring(1).split("/", -1)) {
			StringBuilder token = new StringBuilder(raw.length());
			for (int i = 0; i < raw.length(); i++) {
				char c = raw.charAt(i);
				if (c != '~') {
					token.append(c);
					continue;
				}
				char next = (i + 1 < raw.length()) ? raw.charAt(i + 1) : 0;
				if (next != '0' && next != '1') {
					throw new IllegalArgumentException("'~' must be followed by 0 or 1 (RFC 6901)");
				}
				token.append((next == '0') ? '~' : '/');
				i++;
			}
			tokens.add(token.toString());
		}
		return new DataPointer(text, tokens);
	}

	/**
	 * The field name of what this pointer reads, for messages: {@code data/usage/total_tokens}.
	 * @return the field name
	 */
	public String field() {
		return "data" + this.text;
	}

	/**
	 * The scalar this pointer reads: a {@code String}, {@code Number} or {@code Boolean}.
	 * @param data the data
	 * @return the value
	 * @throws InvalidUsageEventException naming the field when it is absent, {@code null}, an
	 * object or an array
	 */
	public Object readScalar(Map<String, ? extends @Nullable Object> data) {
		Object value = read(data);
		if (value == MISSING || value == null) {
			throw new InvalidUsageEventException(field(), "is missing");
		}
		if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
			throw new InvalidUsageEventException(field(), "must be a string, number or boolean, was "
					+ ((value instanceof Map) ? "an object" : (value instanceof List) ? "an array" : "a "
							+ value.getClass().getSimpleName()));
		}
		return value;
	}

	private @Nullable Object read(Map<String, ? extends @Nullable Object> data) {
		Object node = data;
		for (String token : this.tokens) {
			if (node instanceof Map<?, ?> object) {
				if (!object.containsKey(token)) {
					return MISSING;
				}
				node = object.get(token);
			}
			else if (node instanceof List<?> array) {
				int index = arrayIndex(token);
				if (index < 0 || index >= array.size()) {
					return MISSING;
				}
				node = array.get(index);
			}
			else {
				return MISSING;
			}
		}
		return node;
	}

	/** RFC 6901's array index: {@code 0} or digits without a leading zero; -1 otherwise. */
	private static int arrayIndex(String token) {
		if (token.isEmpty() || token.length() > 9 || (token.length() > 1 && token.charAt(0) == '0')) {
			return -1;
		}
		for (int i = 0; i < token.length(); i++) {
			if (token.charAt(i) < '0' || token.charAt(i) > '9') {
				return -1;
			}
		}
		return Integer.parseInt(token);
	}

	@Override
	public String toString() {
		return this.text;
	}

}
