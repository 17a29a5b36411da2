package dev.metering.internal.postgres;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import dev.metering.internal.sql.EventColumn;
import dev.metering.internal.json.DimensionsJson;
import dev.metering.event.UsageEvent;
import org.jspecify.annotations.Nullable;

/**
 * Ledger rows in PostgreSQL's {@code COPY ... FROM STDIN (FORMAT binary)} format: a signature
 * header, then per row the field count and each field as a length and the type's binary form
 * ({@code uuid} 16 bytes, text as UTF-8, {@code numeric} in base-10000 digits, {@code timestamptz}
 * as microseconds since 2000-01-01 UTC, {@code jsonb} as a version byte and the JSON text), then a
 * trailer. Columns in the order of {@link EventColumn}.
 * <p>
 * Binary because the server then parses nothing: the text format made it read every UUID, number
 * and timestamp from its digits, a large share of its CPU per ledger row. What the server stores is what the text format stored:
 * {@code numeric(38, 9)} rounds a value the same way whichever form it comes in, and a timestamp's
 * fraction below a microsecond is rounded as {@code timestamptz}'s text input rounds it.
 * <p>
 * Rows go into one small buffer that is handed to a {@link Sink} (pgjdbc's
 * {@code CopyIn.writeToCopy}) each time it fills, so the server inserts the first rows of a batch
 * while the rest are still being encoded, and a batch never exists as a whole in memory (COPY
 * data messages need not end at a row's end). An encoder is for one thread and one COPY; a COPY
 * of no rows sends nothing at all.
 * <p>
 * Over 350 lines: the binary encoding of every ledger column type, each beside the text-format rule
 * it must match.
 */
public final class PostgresCopyBinary {

	/**
	 * The bytes handed to the sink at a time: a few hundred rows, small enough that the server
	 * starts on a batch at once and far below the size where the JVM allocates outside the young
	 * generation.
	 */
	public static final int CHUNK_BYTES = 64 * 1024;

	/** The signature, then the flags and the length of the header extension, both zero. */
	private static final byte[] HEADER = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0,
			0, 0, 0, 0, 0 };

	/** The columns in COPY order, as an array: iterating {@link EventColumn#ALL} cost an iterator per row. */
	private static final EventColumn[] COLUMNS = EventColumn.ALL.toArray(new EventColumn[0]);

	/** Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
	private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

	/** The earliest second {@code timestamptz} holds (4714-11-24 BC), after PostgreSQL's epoch. */
	private static final long MIN_POSTGRES_SECONDS = -211_813_488_000L;

	/** The first second {@code timestamptz} no longer holds (294277-01-01), after PostgreSQL's epoch. */
	private static final long END_POSTGRES_SECONDS = 9_223_371_331_200L;

	/**
	 * Sent for an instant {@code timestamptz} does not hold: the server refuses it ("timestamp out
	 * of range"), as it refused the text. The largest value itself would be read as 'infinity'.
	 */
	static final long OUT_OF_RANGE = Long.MAX_VALUE - 1;

	/** The largest scale of the ledger's {@code numeric(38, 9)} quantity. */
	private static final int QUANTITY_SCALE = 9;

	private static final int NUMERIC_NEGATIVE = 0x4000;

	private final Sink sink;

	private final short fieldCount;

	private final boolean withRecordedAt;

	private final long recordedAt;

	/** The base-10,000 digits of a whole-number quantity: one array for every row. */
	private final int[] wholeDigits = new int[5];

	private byte[] buffer;

	private int length;

	private long rows;

	private @Nullable Map<String, String> lastDimensions;

	private byte[] lastDimensionsField = new byte[0];

	/**
	 * An encoder of one COPY's rows.
	 * @param sink where full chunks go
	 * @param recordedAt the {@code recorded_at} of every row, or {@code null} to leave the column
	 * out (a staging table without it)
	 */
	public PostgresCopyBinary(Sink sink, @Nullable Instant recordedAt) {
		this(sink, recordedAt, CHUNK_BYTES);
	}

	PostgresCopyBinary(Sink sink, @Nullable Instant recordedAt, int chunkBytes) {
		this.sink = sink;
		this.buffer = new byte[chunkBytes];
		this.withRecordedAt = recordedAt != null;
		this.recordedAt = (recordedAt != null) ? postgresMicros(recordedAt) : 0;
		this.fieldCount = (short) (COLUMNS.length - ((recordedAt != null) ? 0 : 1));
	}

	/**
	 * Appends one row, handing the buffer to the sink when it is full.
	 * @param event the event
	 * @throws SQLException when the sink fails
	 */
	public void appendRow(UsageEvent event) throws SQLException {
		if (this.rows == 0) {
			putBytes(HEADER);
		}
		putShort(this.fieldCount);
		for (EventColumn column : COLUMNS) {
			switch (column) {
				case EVENT_ID -> putUuid(event.eventId());
				case IDEMPOTENCY_KEY -> putText(event.idempotencyKey());
				case TENANT_ID -> putText(event.tenantId());
				case BILLING_SCOPE_ID -> putText(event.billingScopeId());
				case METER -> putText(event.meter());
				case QUANTITY -> putNumeric(event.quantity());
				case OCCURRED_AT -> putTimestamp(postgresMicros(event.occurredAt()));
				case RECORDED_AT -> {
					if (this.withRecordedAt) {
						putTimestamp(this.recordedAt);
					}
				}
				case USER_ID -> putText(event.userId());
				case RESOURCE -> putText(event.resource());
				case SOURCE -> putText(event.source().id());
				case DIMENSIONS -> putDimensions(event.dimensions());
			}
		}
		this.rows++;
	}

	/**
	 * Ends the COPY's data (the trailer, when there were rows) and hands what is buffered to the sink.
	 * @throws SQLException when the sink fails
	 */
	public void finish() throws SQLException {
		if (this.rows > 0) {
			putShort((short) -1);
		}
		flush();
	}

	/**
	 * The rows appended so far.
	 * @return how many
	 */
	public long rows() {
		return this.rows;
	}

	/**
	 * An instant as {@code timestamptz}'s binary value: microseconds since 2000-01-01 UTC. A
	 * fraction below a microsecond is rounded as the text input rounds it (the fraction read as a
	 * double, times a million, {@code rint}), so both forms store the same value.
	 */
	public static long postgresMicros(Instant instant) {
		long seconds = instant.getEpochSecond() - POSTGRES_EPOCH_SECONDS;
		if (seconds < MIN_POSTGRES_SECONDS || seconds >= END_POSTGRES_SECONDS) {
			return OUT_OF_RANGE;
		}
		int nanos = instant.getNano();
		long micros = (nanos % 1_000 == 0) ? nanos / 1_000 : roundedMicros(nanos);
		return seconds * 1_000_000L + micros;
	}

	/**
	 * {@code rint(strtod(".nnnnnnnnn") * 1000000)}: how the text input rounds a fraction of nine
	 * digits. strtod gives the double nearest the fraction, and so does dividing the nanoseconds by
	 * a billion (both exact, and IEEE division rounds to nearest), without a string per instant:
	 * the writer encodes two instants a row, and most clocks give nanoseconds.
	 */
	static long roundedMicros(int nanos) {
		return (long) Math.rint(nanos / 1e9 * 1_000_000);
	}

	private void flush() throws SQLException {
		if (this.length > 0) {
			int chunk = this.length;
			this.length = 0;
			this.sink.write(this.buffer, 0, chunk);
		}
	}

	private void ensure(int bytes) throws SQLException {
		if (this.length + bytes > this.buffer.length) {
			flush();
			if (bytes > this.buffer.length) {
				this.buffer = new byte[bytes];
			}
		}
	}

	private void putBytes(byte[] bytes) throws SQLException {
		ensure(bytes.length);
		System.arraycopy(bytes, 0, this.buffer, this.length, bytes.length);
		this.length += bytes.length;
	}

	private void putShort(short value) throws SQLException {
		ensure(2);
		this.length = writeShort(this.buffer, this.length, value);
	}

	private static int writeShort(byte[] out, int at, int value) {
		out[at] = (byte) (value >>> 8);
		out[at + 1] = (byte) value;
		return at + 2;
	}

	private static int writeInt(byte[] out, int at, int value) {
		out[at] = (byte) (value >>> 24);
		out[at + 1] = (byte) (value >>> 16);
		out[at + 2] = (byte) (value >>> 8);
		out[at + 3] = (byte) value;
		return at + 4;
	}

	private static int writeLong(byte[] out, int at, long value) {
		for (int i = 7; i >= 0; i--) {
			out[at + i] = (byte) value;
			value >>>= 8;
		}
		return at + 8;
	}

	private void putNull() throws SQLException {
		ensure(4);
		this.length = writeInt(this.buffer, this.length, -1);
	}

	private void putUuid(UUID id) throws SQLException {
		ensure(20);
		int at = writeInt(this.buffer, this.length, 16);
		at = writeLong(this.buffer, at, id.getMostSignificantBits());
		this.length = writeLong(this.buffer, at, id.getLeastSignificantBits());
	}

	private void putTimestamp(long micros) throws SQLException {
		ensure(12);
		int at = writeInt(this.buffer, this.length, 8);
		this.length = writeLong(this.buffer, at, micros);
	}

	/** Text as UTF-8: ASCII char by char, anything else through {@link String#getBytes}. */
	private void putText(@Nullable String value) throws SQLException {
		if (value == null) {
			putNull();
			return;
		}
		int chars = value.length();
		ensure(4 + chars);
		byte[] out = this.buffer;
		int start = this.length;
		int at = start + 4;
		for (int i = 0; i < chars; i++) {
			char c = value.charAt(i);
			if (c >= 0x80) {
				// Not ASCII: nothing was handed on since ensure, so the row's bytes so far are
				// still in the buffer; the field starts again from its UTF-8 bytes (a lone
				// surrogate becomes '?', as the text encoding made it).
				this.length = start;
				putField(value.getBytes(StandardCharsets.UTF_8));
				return;
			}
			out[at++] = (byte) c;
		}
		writeInt(out, start, chars);
		this.length = at;
	}

	private void putField(byte[] bytes) throws SQLException {
		ensure(4 + bytes.length);
		this.length = writeInt(this.buffer, this.length, bytes.length);
		System.arraycopy(bytes, 0, this.buffer, this.length, bytes.length);
		this.length += bytes.length;
	}

	/**
	 * The dimensions as {@code jsonb}'s binary form, version 1: the JSON text. Events share their
	 * map when they share its content (the request filter keeps one immutable map per status, and
	 * an event's map is never changed), so the last map's field is kept and written again when the
	 * next row has the same map.
	 */
	private void putDimensions(Map<String, String> dimensions) throws SQLException {
		if (dimensions.isEmpty()) {
			putNull();
			return;
		}
		if (dimensions != this.lastDimensions) {
			byte[] json = DimensionsJson.encode(dimensions).getBytes(StandardCharsets.UTF_8);
			byte[] field = new byte[5 + json.length];
			writeInt(field, 0, 1 + json.length);
			field[4] = 1;
			System.arraycopy(json, 0, field, 5, json.length);
			this.lastDimensions = dimensions;
			this.lastDimensionsField = field;
		}
		putBytes(this.lastDimensionsField);
	}

	/**
	 * A quantity as {@code numeric}'s binary form: digit count, weight (the power of 10,000 of the
	 * first digit), sign, display scale, then the base-10,000 digits, none of them leading or
	 * trailing zeros. A scale above the column's is rounded half away from zero first, as the
	 * column rounds any input.
	 */
	private void putNumeric(BigDecimal value) throws SQLException {
		if (value.scale() == 0 && value.precision() < 19) {
			putWholeNumber(value.longValue());
			return;
		}
		BigDecimal scaled = (value.scale() > QUANTITY_SCALE) ? value.setScale(QUANTITY_SCALE, RoundingMode.HALF_UP)
				: (value.scale() < 0) ? value.setScale(0) : value;
		int scale = scaled.scale();
		String unscaled = scaled.unscaledValue().abs().toString();
		// Digits aligned on the decimal point in groups of four: zeros after the last fraction
		// digit up to a whole group, and before the first integer digit up to a whole group.
		int fractionGroups = (scale + 3) / 4;
		StringBuilder digits = new StringBuilder(unscaled);
		digits.append("000", 0, 4 * fractionGroups - scale);
		int integerDigits = Math.max(0, digits.length() - 4 * fractionGroups);
		while (digits.length() < 4 * fractionGroups + ((integerDigits + 3) / 4) * 4) {
			digits.insert(0, '0');
		}
		int groupCount = digits.length() / 4;
		int[] groups = new int[groupCount];
		for (int i = 0; i < groupCount; i++) {
			groups[i] = Integer.parseInt(digits, 4 * i, 4 * i + 4, 10);
		}
		int first = 0;
		while (first < groupCount && groups[first] == 0) {
			first++;
		}
		int end = groupCount;
		while (end > first && groups[end - 1] == 0) {
			end--;
		}
		int weight = (first == end) ? 0 : groupCount - fractionGroups - 1 - first;
		putNumericDigits(groups, first, end, weight, scaled.signum() < 0, scale);
	}

	/** A whole number of fewer than 19 digits, without the general path's strings. */
	private void putWholeNumber(long value) throws SQLException {
		boolean negative = value < 0;
		long rest = Math.abs(value);
		int[] groups = this.wholeDigits;
		int count = 0;
		while (rest > 0) {
			groups[count++] = (int) (rest % 10_000);
			rest /= 10_000;
		}
		// groups[0] is the least significant: reverse into the most significant first.
		for (int i = 0, j = count - 1; i < j; i++, j--) {
			int swap = groups[i];
			groups[i] = groups[j];
			groups[j] = swap;
		}
		int end = count;
		while (end > 0 && groups[end - 1] == 0) {
			end--;
		}
		putNumericDigits(groups, 0, end, (count == 0) ? 0 : count - 1, negative, 0);
	}

	private void putNumericDigits(int[] groups, int first, int end, int weight, boolean negative, int scale)
			throws SQLException {
		int digits = end - first;
		ensure(4 + 8 + 2 * digits);
		byte[] out = this.buffer;
		int at = writeInt(out, this.length, 8 + 2 * digits);
		at = writeShort(out, at, digits);
		at = writeShort(out, at, weight);
		at = writeShort(out, at, (negative && digits > 0) ? NUMERIC_NEGATIVE : 0);
		at = writeShort(out, at, scale);
		for (int i = first; i < end; i++) {
			at = writeShort(out, at, groups[i]);
		}
		this.length = at;
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
