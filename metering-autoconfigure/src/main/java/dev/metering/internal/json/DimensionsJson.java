package dev.metering.internal.json;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The ledger's {@code dimensions} column: a flat JSON object of string values. Hand-written so
 * the hot path needs no JSON library and the format stays exactly this small.
 */
public final class DimensionsJson {

	private DimensionsJson() {
	}

	/**
	 * Encodes a flat map as a JSON object.
	 * @param dimensions names and values
	 * @return the JSON text, or {@code null} for an empty map
	 */
	public static @Nullable String encode(Map<String, String> dimensions) {
		if (dimensions == null || dimensions.isEmpty()) {
			return null;
		}
		StringBuilder json = new StringBuilder(16 * dimensions.size() + 2).append('{');
		boolean first = true;
		for (Map.Entry<String, String> entry : dimensions.entrySet()) {
			if (!first) {
				json.append(',');
			}
			first = false;
			appendString(json, entry.getKey());
			json.append(':');
			appendString(json, entry.getValue());
		}
		return json.append('}').toString();
	}

	/**
	 * The length of what {@link #encode(Map)} returns, without building it.
	 * @param dimensions names and values
	 * @return the number of characters of the JSON text, 0 for an empty map (encoded as {@code null})
	 */
	public static int encodedLength(Map<String, String> dimensions) {
		if (dimensions == null || dimensions.isEmpty()) {
			return 0;
		}
		int length = 2 + 2 * dimensions.size() - 1;
		for (Map.Entry<String, String> entry : dimensions.entrySet()) {
			length += stringLength(entry.getKey()) + stringLength(entry.getValue());
		}
		return length;
	}

	/**
	 * Decodes what {@link #encode(Map)} wrote (any flat JSON object of strings).
	 * @param json the JSON text, may be {@code null}
	 * @return the names and values, in order
	 */
	public static Map<String, String> decode(@Nullable String json) {
		Map<String, String> result = new LinkedHashMap<>();
		if (json == null || json.isBlank()) {
			return result;
		}
		Parser parser = new Parser(json);
		parser.expect('{');
		if (parser.peek() == '}') {
			return result;
		}
		do {
			String name = parser.string();
			parser.expect(':');
			result.put(name, parser.string());
		}
		while (parser.comma());
		parser.expect('}');
		return result;
	}

	/**
	 * Appends a JSON string literal, escaping quotes, backslashes and control characters.
	 * @param json where to append
	 * @param value the string
	 */
	public static void appendString(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

	/** The length of the literal {@link #appendString} appends. */
	private static int stringLength(String value) {
		int length = 2 + value.length();
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
				length += 1;
			}
			else if (c < 0x20) {
				length += 5;
			}
		}
		return length;
	}

	private static final class Parser {

		private final String text;

		private int pos;

		Parser(String text) {
			this.text = text;
		}

		char peek() {
			skipWhitespace();
			if (this.pos >= this.text.length()) {
				throw new IllegalArgumentException("Unexpected end of dimensions JSON");
			}
			return this.text.charAt(this.pos);
		}

		void expect(char c) {
			if (peek() != c) {
				throw new IllegalArgumentException("Expected '" + c + "' at " + this.pos + " of dimensions JSON");
			}
			this.pos++;
		}

		boolean comma() {
			if (peek() == ',') {
				this.pos++;
				return true;
			}
			return false;
		}

		String string() {
			expect('"');
			StringBuilder value = new StringBuilder();
			while (true) {
				char c = this.text.charAt(this.pos++);
				if (c == '"') {
					return value.toString();
				}
				if (c != '\\') {
					value.append(c);
					continue;
				}
				char escaped = this.text.charAt(this.pos++);
				switch (escaped) {
					case 'n' -> value.append('\n');
					case 'r' -> value.append('\r');
					case 't' -> value.append('\t');
					case 'b' -> value.append('\b');
					case 'f' -> value.append('\f');
					case 'u' -> {
						value.append((char) Integer.parseInt(this.text.substring(this.pos, this.pos + 4), 16));
						this.pos += 4;
					}
					default -> value.append(escaped);
				}
			}
		}

		private void skipWhitespace() {
			while (this.pos < this.text.length() && Character.isWhitespace(this.text.charAt(this.pos))) {
				this.pos++;
			}
		}

	}

}
