package dev.metering.kafka;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

/**
 * Reads the documents {@link CloudEventEncoder} writes, when they are exactly in its layout and
 * every string is printable ASCII without escapes: the bytes are compared with the constant parts
 * and the values cut out, with no parser. Anything else (another order, another property, an
 * escape, a non-ASCII character, whitespace) is left to {@link CloudEventJson}'s parser, which
 * reads any such event: this only makes the common case cheap and never reads a document
 * differently from the parser (the event is built as the parser builds it).
 */
final class CloudEventFastReader {

	private static final byte[] START = ascii("{\"specversion\":\"" + CloudEventJson.SPEC_VERSION + "\",\"id\":\"");

	private static final byte[] SOURCE = ascii(",\"source\":\"");

	private static final byte[] TYPE = ascii(",\"type\":\"");

	private static final byte[] SUBJECT = ascii(",\"subject\":\"");

	private static final byte[] TIME = ascii(",\"time\":\"");

	private static final byte[] DATA = ascii(",\"datacontenttype\":\"application/json\",\"data\":{\"tenant_id\":\"");

	private static final byte[] BILLING_SCOPE_ID = ascii(",\"billing_scope_id\":\"");

	private static final byte[] QUANTITY = ascii(",\"quantity\":");

	private static final byte[] USER_ID = ascii(",\"user_id\":\"");

	private static final byte[] RESOURCE = ascii(",\"resource\":\"");

	private static final byte[] DATA_SOURCE = ascii(",\"source\":\"");

	private static final byte[] IDEMPOTENCY_KEY = ascii(",\"idempotency_key\":\"");

	private static final byte[] DIMENSIONS = ascii(",\"dimensions\":{\"");

	private static final UsageSource[] SOURCES = UsageSource.values();

	private final byte[] bytes;

	private final int end;

	/** The next byte to read. */
	private int at;

	private CloudEventFastReader(byte[] bytes, int offset, int length) {
		this.bytes = bytes;
		this.at = offset;
		this.end = offset + length;
	}

	/**
	 * The event, when the document is in the encoder's layout with plain ASCII strings.
	 * @return the event, or {@code null} to have the parser read the document
	 */
	static @Nullable UsageEvent read(byte[] bytes, int offset, int length) {
		return new CloudEventFastReader(bytes, offset, length).event();
	}

	private @Nullable UsageEvent event() {
		if (!expect(START)) {
			return null;
		}
		int idStart = this.at;
		int idEnd = stringEnd();
		if (idEnd < 0 || !expect(SOURCE) || stringEnd() < 0 || !expect(TYPE)) {
			return null;
		}
		String meter = string();
		if (meter == null || !expect(SUBJECT)) {
			return null;
		}
		String tenant = string();
		if (tenant == null || !expect(TIME)) {
			return null;
		}
		int timeStart = this.at;
		int timeEnd = stringEnd();
		if (timeEnd < 0 || !expect(DATA) || stringEnd() < 0 || !expect(BILLING_SCOPE_ID)) {
			return null;
		}
		String billingScope = string();
		if (billingScope == null || !expect(QUANTITY)) {
			return null;
		}
		BigDecimal quantity = number();
		if (quantity == null) {
			return null;
		}
		String userId = optional(USER_ID);
		String resource = optional(RESOURCE);
		if (!expect(DATA_SOURCE)) {
			return null;
		}
		int sourceStart = this.at;
		int sourceEnd = stringEnd();
		if (sourceEnd < 0) {
			return null;
		}
		String idempotencyKey = optional(IDEMPOTENCY_KEY);
		Map<String, String> dimensions = Map.of();
		if (expect(DIMENSIONS)) {
			dimensions = dimensions();
			if (dimensions == null) {
				return null;
			}
		}
		if (this.at != this.end - 2 || this.bytes[this.at] != '}' || this.bytes[this.at + 1] != '}') {
			return null;
		}
		// Ids and times the parser would refuse fall back to it too, so the refusal reads the same.
		UUID id;
		Instant time;
		try {
			id = Uuids.parse(chars(idStart, idEnd), 0, idEnd - idStart);
			time = IsoInstant.parse(chars(timeStart, timeEnd), 0, timeEnd - timeStart);
		}
		catch (RuntimeException ex) {
			return null;
		}
		return new UsageEvent(id, tenant, billingScope, meter, quantity, time, userId, resource,
				source(sourceStart, sourceEnd), idempotencyKey, dimensions);
	}

	/** The dimensions after {@code "dimensions":{"}, built as the parser builds them; {@code null} to fall back. */
	private @Nullable Map<String, String> dimensions() {
		String firstName = null;
		String firstValue = null;
		Map<String, String> more = null;
		while (true) {
			String name = string();
			if (name == null || !expect((byte) ':') || !expect((byte) '"')) {
				return null;
			}
			String value = string();
			if (value == null) {
				return null;
			}
			if (more != null) {
				more.put(name, value);
			}
			else if (firstName == null || firstName.equals(name)) {
				firstName = name;
				firstValue = value;
			}
			else {
				more = new LinkedHashMap<>();
				more.put(firstName, firstValue);
				more.put(name, value);
			}
			if (expect((byte) '}')) {
				return (more != null) ? more : Map.of(firstName, firstValue);
			}
			if (!expect((byte) ',') || !expect((byte) '"')) {
				return null;
			}
		}
	}

	private @Nullable String optional(byte[] name) {
		return expect(name) ? string() : null;
	}

	/** A string's value after its opening quote, the closing quote passed; {@code null} to fall back. */
	private @Nullable String string() {
		int start = this.at;
		int stop = stringEnd();
		return (stop < 0) ? null : new String(this.bytes, start, stop - start, StandardCharsets.ISO_8859_1);
	}

	/**
	 * Passes a plain string's characters and its closing quote.
	 * @return where its characters end, or -1 when it has an escape, a control or a non-ASCII byte,
	 * or no end
	 */
	private int stringEnd() {
		byte[] in = this.bytes;
		for (int i = this.at; i < this.end; i++) {
			byte b = in[i];
			if (b == '"') {
				this.at = i + 1;
				return i;
			}
			if (b < 0x20 || b == '\\' || b == 0x7F) {
				// Negative bytes (UTF-8 sequences) are below 0x20 as signed bytes.
				return -1;
			}
		}
		return -1;
	}

	/** A JSON number (its grammar checked: the parser refuses what BigDecimal would take beyond it). */
	private @Nullable BigDecimal number() {
		int start = this.at;
		int i = start;
		if (i < this.end && this.bytes[i] == '-') {
			i++;
		}
		if (i >= this.end || !digit(this.bytes[i])) {
			return null;
		}
		if (this.bytes[i] == '0') {
			i++;
		}
		else {
			i = digits(i);
		}
		if (i < this.end && this.bytes[i] == '.') {
			int fraction = i + 1;
			i = digits(fraction);
			if (i == fraction) {
				return null;
			}
		}
		if (i < this.end && (this.bytes[i] == 'e' || this.bytes[i] == 'E')) {
			i++;
			if (i < this.end && (this.bytes[i] == '+' || this.bytes[i] == '-')) {
				i++;
			}
			int exponent = i;
			i = digits(exponent);
			if (i == exponent) {
				return null;
			}
		}
		this.at = i;
		return new BigDecimal(new String(this.bytes, start, i - start, StandardCharsets.ISO_8859_1));
	}

	private int digits(int from) {
		int i = from;
		while (i < this.end && digit(this.bytes[i])) {
			i++;
		}
		return i;
	}

	private static boolean digit(byte b) {
		return b >= '0' && b <= '9';
	}

	private UsageSource source(int start, int stop) {
		for (UsageSource source : SOURCES) {
			String id = source.id();
			if (id.length() == stop - start && id.equals(new String(this.bytes, start, stop - start, StandardCharsets.ISO_8859_1))) {
				return source;
			}
		}
		return UsageSource.APPLICATION;
	}

	private char[] chars(int start, int stop) {
		char[] chars = new char[stop - start];
		for (int i = start; i < stop; i++) {
			chars[i - start] = (char) this.bytes[i];
		}
		return chars;
	}

	private boolean expect(byte b) {
		if (this.at < this.end && this.bytes[this.at] == b) {
			this.at++;
			return true;
		}
		return false;
	}

	/** Passes the constant bytes when they come next. */
	private boolean expect(byte[] constant) {
		if (this.end - this.at < constant.length) {
			return false;
		}
		for (int i = 0; i < constant.length; i++) {
			if (this.bytes[this.at + i] != constant[i]) {
				return false;
			}
		}
		this.at += constant.length;
		return true;
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

}
