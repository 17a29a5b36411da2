package dev.metering.ledger;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import dev.metering.event.DimensionsJson;
import dev.metering.event.UsageEvent;
import org.jspecify.annotations.Nullable;

/**
 * Ledger rows in PostgreSQL's {@code COPY ... FROM STDIN} text format, encoded straight into
 * UTF-8 bytes: tab-separated, {@code \N} for null, backslash escapes for backslash, tab, newline
 * and carriage return (the JSON of dimensions may hold a backslash, so escaping is not optional).
 * Columns in the order of {@link EventColumn}.
 * <p>
 * Rows go into one small buffer that is handed to a {@link Sink} (pgjdbc's
 * {@code CopyIn.writeToCopy}) each time it fills, so the server inserts the first rows of a batch
 * while the rest are still being encoded, and a batch never exists as a whole in memory (COPY
 * data messages need not end at a row's end). An encoder is for one thread and one COPY.
 */
public final class PostgresCopyText {

	/**
	 * The bytes handed to the sink at a time: a few hundred rows, small enough that the server
	 * starts on a batch at once and far below the size where the JVM allocates outside the young
	 * generation.
	 */
	public static final int CHUNK_BYTES = 64 * 1024;

	private static final byte[] NULL = { '\\', 'N' };

	private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

	/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years {@link Instant#toString()} writes with four digits. */
	/** The columns in COPY order, as an array: iterating {@link EventColumn#ALL} cost an iterator per row. */
	private static final EventColumn[] COLUMNS = EventColumn.ALL.toArray(new EventColumn[0]);

	private static final long MIN_SECONDS = -62_167_219_200L;

	private static final long MAX_SECONDS = 253_402_300_799L;

	private final Sink sink;

	private final byte @Nullable [] recordedAt;

	private byte[] buffer;

	private int length;

	private long rows;

	private @Nullable Map<String, String> lastDimensions;

	private byte[] lastDimensionsText = new byte[0];

	/**
	 * An encoder of one COPY's rows.
	 * @param sink where full chunks go
	 * @param recordedAt the {@code recorded_at} of every row, or {@code null} to leave the column
	 * out (a staging table without it)
	 */
	public PostgresCopyText(Sink sink, @Nullable Instant recordedAt) {
		this(sink, recordedAt, CHUNK_BYTES);
	}

	PostgresCopyText(Sink sink, @Nullable Instant recordedAt, int chunkBytes) {
		this.sink = sink;
		this.buffer = new byte[chunkBytes];
		if (recordedAt != null) {
			byte[] text = new byte[40];
			int end = writeInstant(text, 0, recordedAt);
			this.recordedAt = Arrays.copyOf(text, end);
		}
		else {
			this.recordedAt = null;
		}
	}

	/**
	 * Appends one row, handing the buffer to the sink when it is full.
	 * @param event the event
	 * @throws SQLException when the sink fails
	 */
	public void appendRow(UsageEvent event) throws SQLException {
		boolean first = true;
		for (EventColumn column : COLUMNS) {
			if (column == EventColumn.RECORDED_AT && this.recordedAt == null) {
				continue;
			}
			if (!first) {
				put((byte) '\t');
			}
			first = false;
			switch (column) {
				case EVENT_ID -> putUuid(event.eventId());
				case IDEMPOTENCY_KEY -> putText(event.idempotencyKey());
				case TENANT_ID -> putText(event.tenantId());
				case BILLING_SCOPE_ID -> putText(event.billingScopeId());
				case METER -> putText(event.meter());
				case QUANTITY -> putDecimal(event.quantity());
				case OCCURRED_AT -> putInstant(event.occurredAt());
				case RECORDED_AT -> putBytes(this.recordedAt);
				case USER_ID -> putText(event.userId());
				case RESOURCE -> putText(event.resource());
				case SOURCE -> putText(event.source().id());
				case DIMENSIONS -> putDimensions(event.dimensions());
			}
		}
		put((byte) '\n');
		this.rows++;
	}

	/**
	 * Hands what is buffered to the sink.
	 * @throws SQLException when the sink fails
	 */
	public void flush() throws SQLException {
		if (this.length > 0) {
			int chunk = this.length;
			this.length = 0;
			this.sink.write(this.buffer, 0, chunk);
		}
	}

	/**
	 * The rows appended so far.
	 * @return how many
	 */
	public long rows() {
		return this.rows;
	}

	private void ensure(int bytes) throws SQLException {
		if (this.length + bytes > this.buffer.length) {
			flush();
			if (bytes > this.buffer.length) {
				this.buffer = new byte[bytes];
			}
		}
	}

	private void put(byte b) throws SQLException {
		ensure(1);
		this.buffer[this.length++] = b;
	}

	private void putBytes(byte[] bytes) throws SQLException {
		ensure(bytes.length);
		System.arraycopy(bytes, 0, this.buffer, this.length, bytes.length);
		this.length += bytes.length;
	}

	private void putUuid(UUID id) throws SQLException {
		ensure(36);
		byte[] out = this.buffer;
		int at = this.length;
		long msb = id.getMostSignificantBits();
		long lsb = id.getLeastSignificantBits();
		at = putHex(out, at, msb >>> 32, 8);
		out[at++] = '-';
		at = putHex(out, at, msb >>> 16, 4);
		out[at++] = '-';
		at = putHex(out, at, msb, 4);
		out[at++] = '-';
		at = putHex(out, at, lsb >>> 48, 4);
		out[at++] = '-';
		at = putHex(out, at, lsb, 12);
		this.length = at;
	}

	private static int putHex(byte[] out, int at, long value, int digits) {
		for (int i = digits - 1; i >= 0; i--) {
			out[at + i] = HEX[(int) (value & 0xF)];
			value >>>= 4;
		}
		return at + digits;
	}

	private void putDecimal(BigDecimal value) throws SQLException {
		if (value.scale() == 0 && value.precision() < 19) {
			putLong(value.longValue());
		}
		else {
			putAscii(value.toPlainString());
		}
	}

	private void putLong(long value) throws SQLException {
		ensure(20);
		byte[] out = this.buffer;
		if (value < 0) {
			if (value == Long.MIN_VALUE) {
				putAscii(Long.toString(value));
				return;
			}
			out[this.length++] = '-';
			value = -value;
		}
		int digits = 1;
		for (long rest = value / 10; rest > 0; rest /= 10) {
			digits++;
		}
		int at = this.length + digits;
		do {
			out[--at] = (byte) ('0' + (int) (value % 10));
			value /= 10;
		}
		while (value > 0);
		this.length += digits;
	}

	/**
	 * The dimensions as escaped JSON text. Events share their map when they share its content
	 * (the request filter keeps one immutable map per status, and an event's map is never
	 * changed), so the last map's text is kept and written again when the next row has the same map.
	 */
	private void putDimensions(Map<String, String> dimensions) throws SQLException {
		if (dimensions.isEmpty()) {
			putBytes(NULL);
			return;
		}
		if (dimensions == this.lastDimensions) {
			putBytes(this.lastDimensionsText);
			return;
		}
		String json = DimensionsJson.encode(dimensions);
		// Room for the text at its longest (3 UTF-8 bytes a char, each escaped), so that no chunk
		// is handed on while it is written and it can be copied from the buffer.
		ensure(6 * json.length());
		int start = this.length;
		putText(json);
		this.lastDimensions = dimensions;
		this.lastDimensionsText = Arrays.copyOfRange(this.buffer, start, this.length);
	}

	/** Text known to be ASCII without characters to escape (numbers). */
	private void putAscii(String text) throws SQLException {
		ensure(text.length());
		for (int i = 0; i < text.length(); i++) {
			this.buffer[this.length++] = (byte) text.charAt(i);
		}
	}

	private void putInstant(Instant instant) throws SQLException {
		ensure(40);
		this.length = writeInstant(this.buffer, this.length, instant);
	}

	/**
	 * Writes what {@link Instant#toString()} gives (ISO-8601 in UTC, the fraction in groups of
	 * three digits, none when zero), without its formatter; outside the years 0000 to 9999 it
	 * writes {@link Instant#toString()} itself.
	 */
	static int writeInstant(byte[] out, int at, Instant instant) {
		long seconds = instant.getEpochSecond();
		if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
			String text = instant.toString();
			for (int i = 0; i < text.length(); i++) {
				out[at++] = (byte) text.charAt(i);
			}
			return at;
		}
		long days = Math.floorDiv(seconds, 86_400L);
		int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
		LocalDate date = LocalDate.ofEpochDay(days);
		at = putDigits(out, at, date.getYear(), 4);
		out[at++] = '-';
		at = putDigits(out, at, date.getMonthValue(), 2);
		out[at++] = '-';
		at = putDigits(out, at, date.getDayOfMonth(), 2);
		out[at++] = 'T';
		at = putDigits(out, at, secondOfDay / 3600, 2);
		out[at++] = ':';
		at = putDigits(out, at, (secondOfDay / 60) % 60, 2);
		out[at++] = ':';
		at = putDigits(out, at, secondOfDay % 60, 2);
		int nanos = instant.getNano();
		if (nanos > 0) {
			out[at++] = '.';
			if (nanos % 1_000_000 == 0) {
				at = putDigits(out, at, nanos / 1_000_000, 3);
			}
			else if (nanos % 1_000 == 0) {
				at = putDigits(out, at, nanos / 1_000, 6);
			}
			else {
				at = putDigits(out, at, nanos, 9);
			}
		}
		out[at++] = 'Z';
		return at;
	}

	private static int putDigits(byte[] out, int at, int value, int digits) {
		for (int i = digits - 1; i >= 0; i--) {
			out[at + i] = (byte) ('0' + value % 10);
			value /= 10;
		}
		return at + digits;
	}

	/** Free text, escaped; ASCII byte by byte, anything else through its UTF-8 bytes. */
	private void putText(@Nullable String value) throws SQLException {
		if (value == null) {
			putBytes(NULL);
			return;
		}
		int chars = value.length();
		ensure(2 * chars);
		byte[] out = this.buffer;
		int at = this.length;
		for (int i = 0; i < chars; i++) {
			char c = value.charAt(i);
			if (c >= 0x80) {
				// Not ASCII: escape the UTF-8 bytes instead. A multi-byte sequence never holds a byte
				// below 0x80, so only the ASCII characters among them can need escaping.
				putEscapedUtf8(value.getBytes(StandardCharsets.UTF_8));
				return;
			}
			at = putEscaped(out, at, (byte) c);
		}
		this.length = at;
	}

	private void putEscapedUtf8(byte[] bytes) throws SQLException {
		ensure(2 * bytes.length);
		byte[] out = this.buffer;
		int at = this.length;
		for (byte b : bytes) {
			at = putEscaped(out, at, b);
		}
		this.length = at;
	}

	private static int putEscaped(byte[] out, int at, byte b) {
		switch (b) {
			case '\\' -> {
				out[at++] = '\\';
				out[at++] = '\\';
			}
			case '\t' -> {
				out[at++] = '\\';
				out[at++] = 't';
			}
			case '\n' -> {
				out[at++] = '\\';
				out[at++] = 'n';
			}
			case '\r' -> {
				out[at++] = '\\';
				out[at++] = 'r';
			}
			default -> out[at++] = b;
		}
		return at;
	}

	/** Where an encoder's chunks go. */
	@FunctionalInterface
	public interface Sink {

		/**
		 * Takes a chunk; the array is reused once this returns.
		 * @param bytes the buffer
		 * @param offset where the chunk starts
		 * @param length its length
		 * @throws SQLException when the database fails
		 */
		void write(byte[] bytes, int offset, int length) throws SQLException;

	}

}
