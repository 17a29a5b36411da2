package dev.metering.internal.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The spool's folder: locked for one process (the lock dies with it, so a killed instance never
 * blocks its restart), and the segments an earlier run left, checked record by record.
 */
public final class SpoolDirectory implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(SpoolDirectory.class);

	public final Path path;

	private final FileChannel lockChannel;

	private final FileLock lock;

	private SpoolDirectory(Path path, FileChannel lockChannel, FileLock lock) {
		this.path = path;
		this.lockChannel = lockChannel;
		this.lock = lock;
	}

	/**
	 * Creates and locks the folder.
	 * @param path the folder
	 * @return the locked directory
	 * @throws IllegalStateException if another spool holds it
	 */
	public static SpoolDirectory lock(Path path) {
		try {
			Files.createDirectories(path);
			FileChannel channel = FileChannel.open(path.resolve("lock"), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE);
			FileLock lock;
			try {
				lock = channel.tryLock();
			}
			catch (OverlappingFileLockException ex) {
				lock = null;
			}
			if (lock == null) {
				channel.close();
				throw new IllegalStateException("Metering spool directory " + path.toAbsolutePath()
						+ " is in use by another process: give each instance its own metering.writer.spool.directory");
			}
			return new SpoolDirectory(path, channel, lock);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not open metering spool directory " + path, ex);
		}
	}

	/**
	 * The segments of an earlier run that hold valid records, oldest first; empty or unreadable
	 * ones are deleted, and a copy of every file with unreadable bytes is kept as {@code .corrupt}.
	 * @return what was found
	 */
	public Recovered recover() {
		try {
			List<Path> files;
			try (Stream<Path> listing = Files.list(this.path)) {
				files = listing.filter((file) -> file.getFileName().toString().endsWith(SpoolSegment.SUFFIX))
					.sorted()
					.toList();
			}
			List<SpoolSegment> segments = new ArrayList<>();
			long last = 0;
			long unreadable = 0;
			for (Path file : files) {
				long sequence = Long.parseLong(file.getFileName().toString().replace(SpoolSegment.SUFFIX, ""));
				last = Math.max(last, sequence);
				SpoolSegment.Scan scan = SpoolSegment.open(file, sequence);
				if (scan.unreadableBytes() > 0) {
					unreadable += scan.unreadableBytes();
					report(file, scan);
				}
				if (scan.segment() == null || scan.records() == 0) {
					Files.delete(file);
				}
				else {
					logger.info("Metering spool replays " + scan.records() + " events of " + file);
					segments.add(scan.segment());
				}
			}
			return new Recovered(segments, last, unreadable);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read metering spool directory " + this.path, ex);
		}
	}

	private static void report(Path file, SpoolSegment.Scan scan) throws IOException {
		Path copy = file.resolveSibling(file.getFileName() + ".corrupt");
		Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
		logger.error("Metering spool segment " + file + " has " + scan.unreadableBytes() + " unreadable bytes after its "
				+ scan.records() + " valid records (offset " + scan.validBytes() + "): a torn append from a crash or "
				+ "damage. The valid records are replayed; the file is kept as " + copy + " for inspection");
	}

	@Override
	public void close() {
		try {
			this.lock.release();
			this.lockChannel.close();
		}
		catch (IOException ex) {
			logger.warn("Could not release the metering spool directory lock", ex);
		}
	}

	/**
	 * What an earlier run left.
	 *
	 * @param segments segments with valid records, oldest first, sealed
	 * @param lastSequence the highest segment number seen (0 for none)
	 * @param unreadableBytes bytes that were not valid records
	 */
	public record Recovered(List<SpoolSegment> segments, long lastSequence, long unreadableBytes) {
	}

}
