package dev.metering.test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser of RFC 9651 structured-field Lists (Items with parameters, and Inner Lists), written
 * from the RFC's parsing algorithms (section 4.2) so tests check the kit's fields the way a
 * strict client would, not by comparing strings. Any deviation throws
 * {@link IllegalArgumentException}.
 */
public final class StructuredFields {

	private final String input;

	private int pos;

	private StructuredFields(String input) {
		this.input = input;
	}

	/**
	 * Parses a List field value (RFC 9651 section 4.2.1).
	 * @param field the field value (several field lines already joined with ", ")
	 * @return the members in order
	 */
	public static List<Member> parseList(String field) {
		StructuredFields parser = new StructuredFields(field);
		parser.skipSp();
		List<Member> members = new ArrayList<>();
		while (!parser.atEnd()) {
			members.add(parser.parseMember());
			parser.skipOws();
			if (parser.atEnd()) {
				break;
			}
			parser.expect(',');
			parser.skipOws();
			if (parser.atEnd()) {
				throw parser.error("trailing comma");
			}
		}
		parser.skipSp();
		if (!parser.atEnd()) {
			throw parser.error("trailing characters");
		}
		return members;
	}

	private Member parseMember() {
		if (peek() == '(') {
			this.pos++;
			List<Member> items = new ArrayList<>();
			while (!atEnd()) {
				skipSp();
				if (peek() == ')') {
					this.pos++;
					return new Member(items, null, parseParameters());
				}
				Object bare = parseBareItem();
				items.add(new Member(null, bare, parseParameters()));
				if (!atEnd() && peek() != ' ' && peek() != ')') {
					throw error("inner list items must be separated by spaces");
				}
			}
			throw error("unterminated inner list");
		}
		Object bare = parseBareItem();
		return new Member(null, bare, parseParameters());
	}

	private Map<String, Object> parseParameters() {
		Map<String, Object> parameters = new LinkedHashMap<>();
		while (!atEnd() && peek() == ';') {
			this.pos++;
			skipSp();
			String key = parseKey();
			Object value = Boolean.TRUE;
			if (!atEnd() && peek() == '=') {
				this.pos++;
				value = parseBareItem();
			}
			parameters.put(key, value);
		}
		return parameters;
	}

	private String parseKey() {
		char first = peekOrFail();
		if (!(isLcAlpha(first) || first == '*')) {
			throw error("a key starts with a lowercase letter or *");
		}
		int start = this.pos;
		while (!atEnd()) {
			char c = peek();
			if (!(isLcAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*')) {
				break;
			}
			this.pos++;
		}
		return this.input.substring(start, this.pos);
	}

	private Object parseBareItem() {
		char c = peekOrFail();
		if (c == '-' || isDigit(c)) {
			return parseNumber();
		}
		if (c == '"') {
			return parseString();
		}
		if (c == '*' || isAlpha(c)) {
			return parseToken();
		}
		if (c == ':') {
			return parseByteSequence();
		}
		if (c == '?') {
			this.pos++;
			char b = peekOrFail();
			this.pos++;
			if (b == '1') {
				return Boolean.TRUE;
			}
			if (b == '0') {
				return Boolean.FALSE;
			}
			throw error("a boolean is ?0 or ?1");
		}
		throw error("not an item: '" + c + "'");
	}

	private Object parseNumber() {
		boolean negative = false;
		if (peek() == '-') {
			negative = true;
			this.pos++;
		}
		if (atEnd() || !isDigit(peek())) {
			throw error("a number needs a digit");
		}
		StringBuilder digits = new StringBuilder();
		boolean decimal = false;
		while (!atEnd()) {
			char c = peek();
			if (isDigit(c)) {
				digits.append(c);
				this.pos++;
			}
			else if (!decimal && c == '.') {
				if (digits.length() > 12) {
					throw error("a decimal has at most 12 integer digits");
				}
				digits.append(c);
				decimal = true;
				this.pos++;
			}
			else {
				break;
			}
			if (!decimal && digits.length() > 15) {
				throw error("an integer has at most 15 digits");
			}
			if (decimal && digits.length() > 16) {
				throw error("a decimal has at most 16 characters");
			}
		}
		String text = (negative ? "-" : "") + digits;
		if (!decimal) {
			return Long.parseLong(text);
		}
		if (digits.charAt(digits.length() - 1) == '.') {
			throw error("a decimal cannot end with '.'");
		}
		if (digits.length() - digits.indexOf(".") - 1 > 3) {
			throw error("a decimal has at most 3 fraction digits");
		}
		return new BigDecimal(text);
	}

	private String parseString() {
		expect('"');
		StringBuilder value = new StringBuilder();
		while (!atEnd()) {
			char c = this.input.charAt(this.pos++);
			if (c == '\\') {
				if (atEnd()) {
					throw error("unterminated escape");
				}
				char next = this.input.charAt(this.pos++);
				if (next != '"' && next != '\\') {
					throw error("only \\\" and \\\\ are escapes");
				}
				value.append(next);
			}
			else if (c == '"') {
				return value.toString();
			}
			else if (c < 0x20 || c > 0x7E) {
				throw error("a string holds printable ASCII only");
			}
			else {
				value.append(c);
			}
		}
		throw error("unterminated string");
	}

	private Token parseToken() {
		int start = this.pos;
		this.pos++;
		while (!atEnd()) {
			char c = peek();
			if (!(isTchar(c) || c == ':' || c == '/')) {
				break;
			}
			this.pos++;
		}
		return new Token(this.input.substring(start, this.pos));
	}

	private byte[] parseByteSequence() {
		expect(':');
		int end = this.input.indexOf(':', this.pos);
		if (end < 0) {
			throw error("unterminated byte sequence");
		}
		String base64 = this.input.substring(this.pos, end);
		this.pos = end + 1;
		return Base64.getDecoder().decode(base64);
	}

	private void skipSp() {
		while (!atEnd() && peek() == ' ') {
			this.pos++;
		}
	}

	private void skipOws() {
		while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
			this.pos++;
		}
	}

	private void expect(char c) {
		if (atEnd() || peek() != c) {
			throw error("expected '" + c + "'");
		}
		this.pos++;
	}

	private boolean atEnd() {
		return this.pos >= this.input.length();
	}

	private char peek() {
		return this.input.charAt(this.pos);
	}

	private char peekOrFail() {
		if (atEnd()) {
			throw error("unexpected end");
		}
		return peek();
	}

	private IllegalArgumentException error(String message) {
		return new IllegalArgumentException("Invalid structured field at " + this.pos + " (" + message + "): "
				+ this.input);
	}

	private static boolean isDigit(char c) {
		return c >= '0' && c <= '9';
	}

	private static boolean isLcAlpha(char c) {
		return c >= 'a' && c <= 'z';
	}

	private static boolean isAlpha(char c) {
		return isLcAlpha(c) || (c >= 'A' && c <= 'Z');
	}

	private static boolean isTchar(char c) {
		return isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
	}

	/**
	 * A List member: an Item ({@code value} set) or an Inner List ({@code items} set).
	 *
	 * @param items the inner list's items, or {@code null} for an item
	 * @param value the item's bare value: Long, BigDecimal, String, Token, byte[] or Boolean
	 * @param parameters the parameters in order
	 */
	public record Member(List<Member> items, Object value, Map<String, Object> parameters) {

		/**
		 * An Integer parameter.
		 * @param key the key
		 * @return its value
		 */
		public long integer(String key) {
			Object value = this.parameters.get(key);
			if (!(value instanceof Long number)) {
				throw new IllegalArgumentException("parameter " + key + " is not an Integer: " + value);
			}
			return number;
		}

	}

	/**
	 * A Token item.
	 *
	 * @param value the token
	 */
	public record Token(String value) {
	}

}
