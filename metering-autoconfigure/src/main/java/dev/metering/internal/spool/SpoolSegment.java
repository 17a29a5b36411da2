package dev.metering.internal.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.event.UsageEvent;

/**
 * One file of the spool, memory-mapped and pre-allocated to the segment size. An append is a
 * copy into the mapping: the bytes are in the OS page cache once it returns, so they outlive a
 * crash of the process without an {@code fsync}. Appends are serialized by the spool; reads of
 * complete records may run on other threads up to {@link #readable()}.
 */
public final class SpoolSegment {

	public static final String SUFFIX = ".seg";

	/** Records start after the segment's magic number. */
	public static final int FIRST_RECORD = 4;

	public final long sequence;

	public final Path path;

	/** Read from a segment left by an earlier run: its events have not been accepted in this one. */
	public final boolean replayed;

	/** Appended or replayed events not yet committed to the ledger. */
	public final AtomicInteger unresolved = new AtomicInteger();

	private final MappedByteBuffer map;

	private final AtomicBoolean deleted = new AtomicBoolean();

	private volatile int readable = FIRST_RECORD;

	private volatile boolean sealed;

	private SpoolSegment(long sequence, Path path, MappedByteBuffer map, boolean replayed) {
		this.sequence = sequence;
		this.path = path;
		this.map = map;
		this.replayed = replayed;
	}

	public static Path pathOf(Path directory, long sequence) {
		return directory.resolve(String.format("%020d", sequence) + SUFFIX);
	}

	/**
	 * A new, empty segment file of the given size.
	 * @param directory the spool directory
	 * @param sequence the segment's number
	 * @param size the file's size in bytes
	 * @return the segment, open for appends
	 */
	public static SpoolSegment create(Path directory, long sequence, int size) {
		Path path = pathOf(directory, sequence);
		try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
				StandardOpenOption.WRITE)) {
			MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
			map.putInt(0, SpoolRecordCodec.SEGMENT_MAGIC);
			return new SpoolSegment(sequence, path, map, false);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create metering spool segment " + path, ex);
		}
	}

	/**
	 * Opens a segment left by an earlier run and checks every record.
	 * @param path the file
	 * @param sequence its number
	 * @return the segment, sealed, readable up to the end of its valid records, and what was found
	 */
	public static Scan open(Path path, long sequence) throws IOException {
		long size = Files.size(path);
		if (size < FIRST_RECORD || size > Integer.MAX_VALUE) {
			return new Scan(null, 0, 0, size);
		}
		MappedByteBuffer map;
		try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
			map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
		}
		if (map.getInt(0) != SpoolRecordCodec.SEGMENT_MAGIC) {
			return new Scan(null, 0, 0, size);
		}
		SpoolSegment segment = new SpoolSegment(sequence, path, map, true);
		int offset = FIRST_RECORD;
		int records = 0;
		while (true) {
			int next = segment.nextValid(offset);
			if (next <= 0) {
				break;
			}
			records++;
			offset = next;
		}
		segment.readable = offset;
		segment.sealed = true;
		segment.unresolved.set(records);
		return new Scan(segment, records, offset, segment.unreadableBytesFrom(offset));
	}

	/** The offset after the valid record at {@code offset}; 0 at the end, -1 for a torn or corrupt one. */
	private int nextValid(int offset) {
		int capacity = this.map.capacity();
		if (offset + SpoolRecordCodec.HEADER_BYTES > capacity) {
			return 0;
		}
		int length = this.map.getInt(offset);
		if (length == 0) {
			return 0;
		}
		if (length < 0 || length > capacity - offset - SpoolRecordCodec.HEADER_BYTES) {
			return -1;
		}
		int payload = offset + SpoolRecordCodec.HEADER_BYTES;
		if (!SpoolRecordCodec.checksumMatches(this.map, payload, length, this.map.getInt(offset + 4))) {
			return -1;
		}
		try {
			SpoolRecordCodec.decode(this.map.slice(payload, length));
		}
		catch (IllegalArgumentException ex) {
			return -1;
		}
		return payload + length;
	}

	/** Bytes from the end of the valid records to the last non-zero byte: what a crash or damage left. */
	private long unreadableBytesFrom(int offset) {
		for (int last = this.map.capacity() - 1; last >= offset; last--) {
			if (this.map.get(last) != 0) {
				return last - offset + 1L;
			}
		}
		return 0;
	}

	/**
	 * Appends a complete record if it fits. The payload and checksum are written before the
	 * length, so a crash part-way leaves a length of 0 (the clean end) or a record whose checksum
	 * fails: never a record that reads as valid but is not.
	 * @param record header and payload
	 * @return the record's offset, or -1 when the segment has no room for it
	 */
	public int append(byte[] record) {
		int offset = this.readable;
		if (offset + record.length > this.map.capacity()) {
			return -1;
		}
		this.map.put(offset + 4, record, 4, record.length - 4);
		this.map.put(offset, record, 0, 4);
		this.readable = offset + record.length;
		return offset;
	}

	/**
	 * The event of the complete record at an offset below {@link #readable()}.
	 * @param offset the record's offset
	 * @return the event; the next record starts at {@code offset + HEADER_BYTES + length}
	 */
	public UsageEvent read(int offset) {
		int length = this.map.getInt(offset);
		return SpoolRecordCodec.decode(this.map.slice(offset + SpoolRecordCodec.HEADER_BYTES, length));
	}

	public int recordEnd(int offset) {
		return offset + SpoolRecordCodec.HEADER_BYTES + this.map.getInt(offset);
	}

	public int readable() {
		return this.readable;
	}

	public boolean sealed() {
		return this.sealed;
	}

	public void seal() {
		this.sealed = true;
	}

	/** Writes the mapping's dirty pages to the device ({@code fsync}). */
	public void force() {
		if (!this.deleted.get()) {
			this.map.force();
		}
	}

	/**
	 * Deletes the file once: when it is sealed and every one of its events is committed.
	 * @return whether this call deleted it
	 */
	public boolean deleteIfResolved() {
		if (!this.sealed || this.unresolved.get() != 0 || !this.deleted.compareAndSet(false, true)) {
			return false;
		}
		try {
			Files.deleteIfExists(this.path);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not delete metering spool segment " + this.path, ex);
		}
		return true;
	}

	public boolean deleted() {
		return this.deleted.get();
	}

	/**
	 * What opening a segment of an earlier run found.
	 *
	 * @param segment the segment, or {@code null} when the file is not a spool segment
	 * @param records its valid records
	 * @param validBytes where the valid records end
	 * @param unreadableBytes bytes after them that are not a valid record (a torn append or
	 * damage); 0 for a clean end
	 */
	public record Scan(SpoolSegment segment, int records, int validBytes, long unreadableBytes) {
	}

}
