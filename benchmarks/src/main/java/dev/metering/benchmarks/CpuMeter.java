package dev.metering.benchmarks;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * CPU time, which load on a shared machine does not distort the way it distorts wall-clock rates:
 * this JVM's (every thread, GC and JIT included, from the operating system's bean) and the
 * PostgreSQL backends serving this benchmark's connections, when the server runs on this host:
 * from their {@code /proc/<pid>/schedstat}, the time on a CPU and the time runnable but waiting
 * for one, so a backend's wall time splits into working, waiting for a CPU (load) and asleep
 * (waiting for the client, a lock or the disk). Plus this JVM's garbage collections.
 */
final class CpuMeter {

	private final JdbcTemplate jdbc;

	private final String applicationName;

	private final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
		.getOperatingSystemMXBean();

	CpuMeter(JdbcTemplate jdbc, String applicationName) {
		this.jdbc = jdbc;
		this.applicationName = applicationName;
	}

	/** A reading now: take one before and one after what is measured. */
	Reading read() {
		long gcs = 0;
		long gcMillis = 0;
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			gcs += Math.max(0, gc.getCollectionCount());
			gcMillis += Math.max(0, gc.getCollectionTime());
		}
		long[] backend = backendNanos();
		long[] walWriter = walWriterNanos();
		return new Reading(System.nanoTime(), this.os.getProcessCpuTime(), backend[0], backend[1], walWriter[0], gcs,
				gcMillis);
	}

	/** The backends' CPU and run-queue nanoseconds, or -1 each when not readable from here. */
	private long[] backendNanos() {
		return schedstat(this.jdbc.queryForList("SELECT pid FROM pg_stat_activity WHERE application_name = ?",
				Integer.class, this.applicationName));
	}

	/**
	 * The WAL writer's CPU and run-queue nanoseconds: it writes and flushes WAL that the backends
	 * do not flush themselves at commit, for every database of the server (other users' too).
	 */
	private long[] walWriterNanos() {
		return schedstat(this.jdbc.queryForList("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'",
				Integer.class));
	}

	private static long[] schedstat(List<Integer> pids) {
		long[] nanos = new long[2];
		for (int pid : pids) {
			try {
				String[] fields = Files.readString(Path.of("/proc", Integer.toString(pid), "schedstat")).trim().split(" ");
				nanos[0] += Long.parseLong(fields[0]);
				nanos[1] += Long.parseLong(fields[1]);
			}
			catch (IOException | RuntimeException ex) {
				return new long[] { -1, -1 };
			}
		}
		return nanos;
	}

	/**
	 * One reading.
	 * @param nanoTime {@link System#nanoTime()}
	 * @param jvmCpuNanos this process's CPU time
	 * @param backendCpuNanos the backends' CPU time, -1 when unknown
	 * @param backendWaitNanos the backends' time runnable but waiting for a CPU, -1 when unknown
	 * @param walWriterCpuNanos the WAL writer's CPU time, -1 when unknown
	 * @param gcs garbage collections so far
	 * @param gcMillis their accumulated time
	 */
	record Reading(long nanoTime, long jvmCpuNanos, long backendCpuNanos, long backendWaitNanos,
			long walWriterCpuNanos, long gcs, long gcMillis) {

		/** What happened between {@code before} and this reading, for {@code rows} rows. */
		Cost since(Reading before, long rows) {
			double perRow = 1e-3 / rows;
			long wall = this.nanoTime - before.nanoTime;
			boolean known = this.backendCpuNanos >= 0 && before.backendCpuNanos >= 0;
			double backend = known ? (this.backendCpuNanos - before.backendCpuNanos) * perRow : Double.NaN;
			double waiting = known ? (double) (this.backendWaitNanos - before.backendWaitNanos) / wall : Double.NaN;
			double walWriter = (this.walWriterCpuNanos >= 0 && before.walWriterCpuNanos >= 0)
					? (this.walWriterCpuNanos - before.walWriterCpuNanos) * perRow : Double.NaN;
			return new Cost(rows * 1e9 / wall, (this.jvmCpuNanos - before.jvmCpuNanos) * perRow, backend,
					known ? (double) (this.backendCpuNanos - before.backendCpuNanos) / wall : Double.NaN, waiting,
					walWriter, this.gcs - before.gcs, this.gcMillis - before.gcMillis);
		}

	}

	/**
	 * A measurement's rate and costs.
	 * @param perSecond rows a second (wall clock)
	 * @param jvmMicrosPerRow this JVM's CPU per row
	 * @param backendMicrosPerRow the PostgreSQL backends' CPU per row, NaN when unknown
	 * @param backendOnCpu the share of the wall time the backends were on a CPU (summed over
	 * backends), NaN when unknown
	 * @param backendWaitingForCpu the share they were runnable but waiting for a CPU; the rest of
	 * {@code 1 - backendOnCpu - backendWaitingForCpu} (for one busy backend) they slept
	 * @param walWriterMicrosPerRow the WAL writer's CPU per row (it serves other users too), NaN
	 * when unknown
	 * @param gcs collections during it
	 * @param gcMillis their time
	 */
	record Cost(double perSecond, double jvmMicrosPerRow, double backendMicrosPerRow, double backendOnCpu,
			double backendWaitingForCpu, double walWriterMicrosPerRow, long gcs, long gcMillis) {

		/** The share of the wall time the (one busy) backend slept: waiting for the client, a lock or the disk. */
		double backendAsleep() {
			return 1 - this.backendOnCpu - this.backendWaitingForCpu;
		}

	}

}
