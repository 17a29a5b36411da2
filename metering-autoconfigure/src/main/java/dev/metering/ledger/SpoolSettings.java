package dev.metering.ledger;

import java.nio.file.Path;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Where and how much the durable spool writes.
 *
 * @param directory the folder of the segment files; one application instance per folder
 * @param segmentSize the size of one segment file, in bytes
 * @param maxSize the most disk the segments may take, in bytes; when spent, recording falls back
 * to the in-memory buffer and its overflow policy
 * @param fsyncInterval how often appended records are forced to the device; {@code null} for
 * never (a process crash loses nothing, a power failure may lose what the OS had not written)
 * @param drainTimeout how long stopping waits for spooled events to reach the writer
 */
public record SpoolSettings(Path directory, int segmentSize, long maxSize, @Nullable Duration fsyncInterval,
		Duration drainTimeout) {

	/** Large enough for any valid event; small enough to map. */
	static final int MIN_SEGMENT_SIZE = 64 * 1024;

	public SpoolSettings {
		if (directory == null) {
			throw new IllegalArgumentException("metering.writer.spool.directory must be set");
		}
		if (segmentSize < MIN_SEGMENT_SIZE) {
			throw new IllegalArgumentException(
					"metering.writer.spool.segment-size must be at least 64KB, was " + segmentSize + " bytes");
		}
		if (maxSize < segmentSize) {
			throw new IllegalArgumentException("metering.writer.spool.max-size (" + maxSize
					+ " bytes) must be at least the segment size (" + segmentSize + " bytes)");
		}
		if (fsyncInterval != null && (fsyncInterval.isZero() || fsyncInterval.isNegative())) {
			throw new IllegalArgumentException(
					"metering.writer.spool.fsync-interval must be positive when set, was " + fsyncInterval);
		}
		if (drainTimeout == null || drainTimeout.isNegative()) {
			throw new IllegalArgumentException("metering.writer.spool drain timeout must not be negative");
		}
	}

	/**
	 * The kit's defaults in a folder.
	 * @param directory the folder
	 * @return 16MB segments, 1GB in all, no fsync
	 */
	public static SpoolSettings in(Path directory) {
		return new SpoolSettings(directory, 16 * 1024 * 1024, 1024L * 1024 * 1024, null, Duration.ofSeconds(30));
	}

}
