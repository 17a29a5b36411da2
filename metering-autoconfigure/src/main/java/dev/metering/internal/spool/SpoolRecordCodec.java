package dev.metering.internal.spool;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

/**
 * The spool's record format: {@code int length, int crc32c, payload}, big-endian, where the
 * checksum covers the payload. A length of 0 marks the end of a segment's records (segments are
 * pre-allocated, so the rest of the file is zeros); a record whose length or checksum does not
 * hold is a torn or corrupt tail.
 */
public final class SpoolRecordCodec {

	/** Bytes before the payload: its length and its checksum. */
	public static final int HEADER_BYTES = 8;

	/** Written first in each segment so a file of another format is never replayed. */
	public static final int SEGMENT_MAGIC = 0x4D53504C; // "MSPL"

	private static final byte FORMAT_VERSION = 1;

	private SpoolRecordCodec() {
	}

	/**
	 * One event as a complete record: header and payload.
	 * @param event a validated event
	 * @return the bytes to append
	 */
	public static byte[] encode(UsageEvent event) {
		byte[][] strings = { utf8(event.tenantId()), utf8(event.billingScopeId()), utf8(event.meter()),
				utf8(event.userId()), utf8(event.resource()), utf8(event.idempotencyKey()) };
		BigInteger unscaled = event.quantity().unscaledValue();
		byte[] quantity = unscaled.toByteArray();
		Map<String, String> dimensions = event.dimensions();
		byte[][] dimensionBytes = new byte[dimensions.size() * 2][];
		int index = 0;
		for (Map.Entry<String, String> dimension : dimensions.entrySet()) {
			dimensionBytes[index++] = utf8(dimension.getKey());
			dimensionBytes[index++] = utf8(dimension.getValue());
		}
		int size = 1 + 16 + 1 + 12 + 4 + 4 + quantity.length + 4;
		for (byte[] string : strings) {
			size += 4 + ((string != null) ? string.length : 0);
		}
		for (byte[] string : dimensionBytes) {
			size += 4 + string.length;
		}
		ByteBuffer record = ByteBuffer.allocate(HEADER_BYTES + size);
		record.position(HEADER_BYTES);
		record.put(FORMAT_VERSION);
		record.putLong(event.eventId().getMostSignificantBits());
		record.putLong(event.eventId().getLeastSignificantBits());
		record.put((byte) event.source().ordinal());
		record.putLong(event.occurredAt().getEpochSecond());
		record.putInt(event.occurredAt().getNano());
		record.putInt(event.quantity().scale());
		record.putInt(quantity.length);
		record.put(quantity);
		for (byte[] string : strings) {
			putBytes(record, string);
		}
		record.putInt(dimensions.size());
		for (byte[] string : dimensionBytes) {
			putBytes(record, string);
		}
		CRC32C crc = new CRC32C();
		crc.update(record.array(), HEADER_BYTES, size);
		record.putInt(0, size);
		record.putInt(4, (int) crc.getValue());
		return record.array();
	}

	/**
	 * Checks the checksum of a payload.
	 * @param buffer holds the payload
	 * @param offset where the payload starts
	 * @param length its length
	 * @param expected the checksum of the header
	 * @return whether they match
	 */
	public static boolean checksumMatches(ByteBuffer buffer, int offset, int length, int expected) {
		CRC32C crc = new CRC32C();
		crc.update(buffer.slice(offset, length));
		return (int) crc.getValue() == expected;
	}

	/**
	 * Reads the payload of a record whose checksum was verified.
	 * @param payload exactly the payload
	 * @return the event
	 * @throws IllegalArgumentException if the payload is not a record of this format
	 */
	public static UsageEvent decode(ByteBuffer payload) {
		try {
			byte version = payload.get();
			if (version != FORMAT_VERSION) {
				throw new IllegalArgumentException("unknown record version " + version);
			}
			UUID eventId = new UUID(payload.getLong(), payload.getLong());
			UsageSource source = UsageSource.values()[payload.get()];
			Instant occurredAt = Instant.ofEpochSecond(payload.getLong(), payload.getInt());
			int scale = payload.getInt();
			byte[] unscaled = new byte[payload.getInt()];
			payload.get(unscaled);
			BigDecimal quantity = new BigDecimal(new BigInteger(unscaled), scale);
			String tenantId = getString(payload);
			String billingScopeId = getString(payload);
			String meter = getString(payload);
			String userId = getString(payload);
			String resource = getString(payload);
			String idempotencyKey = getString(payload);
			int dimensionCount = payload.getInt();
			Map<String, String> dimensions = new LinkedHashMap<>();
			for (int i = 0; i < dimensionCount; i++) {
				dimensions.put(getString(payload), getString(payload));
			}
			if (payload.hasRemaining()) {
				throw new IllegalArgumentException(payload.remaining() + " bytes after the record's fields");
			}
			return new UsageEvent(eventId, tenantId, billingScopeId, meter, quantity, occurredAt, userId, resource,
					source, idempotencyKey, dimensions);
		}
		catch (BufferUnderflowException | IndexOutOfBoundsException | NegativeArraySizeException ex) {
			throw new IllegalArgumentException("record shorter than its fields", ex);
		}
	}

	private static byte[] utf8(String value) {
		return (value != null) ? value.getBytes(StandardCharsets.UTF_8) : null;
	}

	private static void putBytes(ByteBuffer buffer, byte[] bytes) {
		if (bytes == null) {
			buffer.putInt(-1);
			return;
		}
		buffer.putInt(bytes.length);
		buffer.put(bytes);
	}

	private static String getString(ByteBuffer buffer) {
		int length = buffer.getInt();
		if (length == -1) {
			return null;
		}
		byte[] bytes = new byte[length];
		buffer.get(bytes);
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
