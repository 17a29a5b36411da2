package dev.metering.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The durable spool of the ledger writer: events on local disk before {@code record} returns,
 * so a process crash loses none and a database outage fills the disk instead of dropping.
 */
@ConfigurationProperties("metering.writer.spool")
public class SpoolProperties {

	/**
	 * Whether every recorded event is appended to a local spool file before it is buffered.
	 */
	private boolean enabled;

	/**
	 * The folder of the spool's segment files; relative paths are against the working
	 * directory. It must survive a restart of the process, and each instance needs its own.
	 */
	private Path directory = Path.of("metering-spool");

	/**
	 * The size of one segment file; a segment is deleted once all of its events are in the
	 * ledger.
	 */
	private DataSize segmentSize = DataSize.ofMegabytes(16);

	/**
	 * The most disk the spool may take. When it is spent, events go to the in-memory buffer
	 * only and metering.writer.overflow applies.
	 */
	private DataSize maxSize = DataSize.ofGigabytes(1);

	/**
	 * How often spooled events are forced to the disk device (fsync). Unset: never; a process
	 * crash still loses nothing, but a power failure may lose the last seconds.
	 */
	private @Nullable Duration fsyncInterval;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Path getDirectory() {
		return this.directory;
	}

	public void setDirectory(Path directory) {
		this.directory = directory;
	}

	public DataSize getSegmentSize() {
		return this.segmentSize;
	}

	public void setSegmentSize(DataSize segmentSize) {
		this.segmentSize = segmentSize;
	}

	public DataSize getMaxSize() {
		return this.maxSize;
	}

	public void setMaxSize(DataSize maxSize) {
		this.maxSize = maxSize;
	}

	public @Nullable Duration getFsyncInterval() {
		return this.fsyncInterval;
	}

	public void setFsyncInterval(@Nullable Duration fsyncInterval) {
		this.fsyncInterval = fsyncInterval;
	}

}
