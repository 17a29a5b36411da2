package dev.metering.kafka;

import java.util.UUID;

/**
 * {@link UUID#fromString} from characters: the canonical 36-character form read here, any other
 * through {@link UUID#fromString}, so the result and the errors are always the same as its.
 */
final class Uuids {

	private Uuids() {
	}

	/**
	 * @throws IllegalArgumentException when the text is no UUID
	 */
	static UUID parse(char[] text, int offset, int length) {
		if (length == 36 && text[offset + 8] == '-' && text[offset + 13] == '-' && text[offset + 18] == '-'
				&& text[offset + 23] == '-') {
			long a = hex(text, offset, 8);
			long b = hex(text, offset + 9, 4);
			long c = hex(text, offset + 14, 4);
			long d = hex(text, offset + 19, 4);
			long e = hex(text, offset + 24, 12);
			if ((a | b | c | d | e) >= 0) {
				return new UUID((a << 32) | (b << 16) | c, (d << 48) | e);
			}
		}
		return UUID.fromString(new String(text, offset, length));
	}

	/**
	 * The hexadecimal number of {@code width} (at most 15) ASCII digits, or -1 when one is none
	 * (UUID's lenient parse reads the rest).
	 */
	private static long hex(char[] text, int at, int width) {
		long value = 0;
		for (int i = at; i < at + width; i++) {
			char c = text[i];
			int digit = (c < 128) ? Character.digit(c, 16) : -1;
			if (digit < 0) {
				return -1;
			}
			value = (value << 4) | digit;
		}
		return value;
	}

}
