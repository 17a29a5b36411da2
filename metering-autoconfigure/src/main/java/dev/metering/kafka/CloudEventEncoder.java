package dev.metering.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

/**
 * Writes {@link CloudEventJson}'s document straight into a byte array: the property names and
 * the constant parts are bytes prepared once, the strings escaped as Jackson's generator escapes
 * them (so the bytes are the same as a generator's). Why not a generator: creating and releasing
 * one per event (its buffers taken from and given back to a shared pool) cost about as much as
 * writing the document, and the path encodes every event.
 */
final class CloudEventEncoder {

	private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] START = bytes("{\"specversion\":\"" + CloudEventJson.SPEC_VERSION + "\",\"id\":\"");

	private static final byte[] TYPE = bytes(",\"type\":");

	private static final byte[] SUBJECT = bytes(",\"subject\":");

	private static final byte[] TIME = bytes(",\"time\":\"");

	private static final byte[] DATA = bytes("\",\"datacontenttype\":\"application/json\",\"data\":{\"tenant_id\":");

	private static final byte[] BILLING_SCOPE_ID = bytes(",\"billing_scope_id\":");

	private static final byte[] QUANTITY = bytes(",\"quantity\":");

	private static final byte[] USER_ID = bytes(",\"user_id\":");

	private static final byte[] RESOURCE = bytes(",\"resource\":");

	private static final byte[] IDEMPOTENCY_KEY = bytes(",\"idempotency_key\":");

	private static final byte[] DIMENSIONS = bytes(",\"dimensions\":{");

	private static final byte[][] SOURCE_IDS = Arrays.stream(UsageSource.values())
		.map((source) -> bytes(",\"source\":\"" + source.id() + "\""))
		.toArray(byte[][]::new);

	/** {@code ","source":"<the source>"}, escaped once. */
	private final byte[] source;

	private byte[] out;

	private int length;

	/**
	 * @param source the CloudEvents {@code source}
	 */
	CloudEventEncoder(String source) {
		this.out = new byte[64 + 6 * source.length()];
		this.length = 0;
		raw(bytes(",\"source\":"));
		string(source);
		this.source = Arrays.copyOf(this.out, this.length);
	}

	/**
	 * The event's document.
	 * @param event the event
	 * @return its UTF-8 bytes
	 */
	byte[] encode(UsageEvent event) {
		// A writer of its own per call: the sink's encoder is shared by the threads that produce.
		return new CloudEventEncoder(this.source).write(event);
	}

	private CloudEventEncoder(byte[] source) {
		this.source = source;
		this.out = new byte[512];
	}

	private byte[] write(UsageEvent event) {
		raw(START);
		ascii(event.eventId().toString());
		byte1('"');
		raw(this.source);
		raw(TYPE);
		string(event.meter());
		raw(SUBJECT);
		string(event.tenantId());
		raw(TIME);
		char[] time = new char[IsoInstant.MAX_LENGTH];
		int timeLength = IsoInstant.format(event.occurredAt(), time);
		ensure(timeLength);
		for (int i = 0; i < timeLength; i++) {
			this.out[this.length++] = (byte) time[i];
		}
		raw(DATA);
		string(event.tenantId());
		raw(BILLING_SCOPE_ID);
		string(event.billingScopeId());
		raw(QUANTITY);
		ascii(event.quantity().toString());
		ifSet(USER_ID, event.userId());
		ifSet(RESOURCE, event.resource());
		raw(SOURCE_IDS[event.source().ordinal()]);
		ifSet(IDEMPOTENCY_KEY, event.idempotencyKey());
		if (!event.dimensions().isEmpty()) {
			raw(DIMENSIONS);
			boolean first = true;
			for (Map.Entry<String, String> dimension : event.dimensions().entrySet()) {
				if (!first) {
					byte1(',');
				}
				first = false;
				string(dimension.getKey());
				byte1(':');
				string(dimension.getValue());
			}
			byte1('}');
		}
		byte1('}');
		byte1('}');
		return Arrays.copyOf(this.out, this.length);
	}

	private void ifSet(byte[] name, @Nullable String value) {
		if (value != null) {
			raw(name);
			string(value);
		}
	}

	/**
	 * A JSON string as Jackson's UTF-8 generator writes it by default: {@code "} and {@code \}
	 * escaped, control characters as their short escape or as a backslash, {@code u} and four
	 * upper-case hex digits, everything else as UTF-8 (a surrogate pair as one 4-byte sequence). A
	 * lone surrogate, which Jackson refuses, is written as such an escape: still JSON, read back as
	 * it was.
	 */
	private void string(String text) {
		int chars = text.length();
		ensure(2 + 6 * chars);
		byte[] bytes = this.out;
		int at = this.length;
		bytes[at++] = '"';
		for (int i = 0; i < chars; i++) {
			char c = text.charAt(i);
			if (c < 0x80) {
				if (c >= 0x20 && c != '"' && c != '\\') {
					bytes[at++] = (byte) c;
				}
				else {
					at = escape(bytes, at, c);
				}
			}
			else if (c < 0x800) {
				bytes[at++] = (byte) (0xC0 | (c >> 6));
				bytes[at++] = (byte) (0x80 | (c & 0x3F));
			}
			else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(text.charAt(i + 1))) {
				int code = Character.toCodePoint(c, text.charAt(++i));
				bytes[at++] = (byte) (0xF0 | (code >> 18));
				bytes[at++] = (byte) (0x80 | ((code >> 12) & 0x3F));
				bytes[at++] = (byte) (0x80 | ((code >> 6) & 0x3F));
				bytes[at++] = (byte) (0x80 | (code & 0x3F));
			}
			else if (Character.isSurrogate(c)) {
				at = unicodeEscape(bytes, at, c);
			}
			else {
				bytes[at++] = (byte) (0xE0 | (c >> 12));
				bytes[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
				bytes[at++] = (byte) (0x80 | (c & 0x3F));
			}
		}
		bytes[at++] = '"';
		this.length = at;
	}

	private static int escape(byte[] bytes, int at, char c) {
		char shortForm = switch (c) {
			case '"' -> '"';
			case '\\' -> '\\';
			case '\b' -> 'b';
			case '\t' -> 't';
			case '\n' -> 'n';
			case '\f' -> 'f';
			case '\r' -> 'r';
			default -> 0;
		};
		if (shortForm == 0) {
			return unicodeEscape(bytes, at, c);
		}
		bytes[at] = '\\';
		bytes[at + 1] = (byte) shortForm;
		return at + 2;
	}

	private static int unicodeEscape(byte[] bytes, int at, char c) {
		bytes[at] = '\\';
		bytes[at + 1] = 'u';
		bytes[at + 2] = HEX[(c >> 12) & 0xF];
		bytes[at + 3] = HEX[(c >> 8) & 0xF];
		bytes[at + 4] = HEX[(c >> 4) & 0xF];
		bytes[at + 5] = HEX[c & 0xF];
		return at + 6;
	}

	/** Text known to be ASCII without anything to escape (a UUID, a decimal). */
	private void ascii(String text) {
		int chars = text.length();
		ensure(chars);
		for (int i = 0; i < chars; i++) {
			this.out[this.length++] = (byte) text.charAt(i);
		}
	}

	private void byte1(char c) {
		ensure(1);
		this.out[this.length++] = (byte) c;
	}

	private void raw(byte[] bytes) {
		raw(bytes, 0, bytes.length);
	}

	private void raw(byte[] bytes, int offset, int count) {
		ensure(count);
		System.arraycopy(bytes, offset, this.out, this.length, count);
		this.length += count;
	}

	private void ensure(int more) {
		if (this.length + more > this.out.length) {
			this.out = Arrays.copyOf(this.out, Math.max(this.out.length * 2, this.length + more));
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

}
