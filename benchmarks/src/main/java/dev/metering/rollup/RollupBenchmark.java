package dev.metering.rollup;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.postgresql.PGConnection;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.postgresql.copy.CopyIn;

/**
 * Not a test: times one rollup run that folds 1,000,000 new ledger rows on PostgreSQL, over a
 * ledger of 1,000,000 rows already folded and over one of 10,000,000, in the same JVM, and prints
 * the times, their ratio (the fold must cost the same whatever the ledger's size: aim at most
 * 1.5) and the fold rate.
 * <p>
 * Rows are loaded with {@code COPY}: 1,000 tenants, 5 meters, a quarter billed to a parent;
 * the folded part spread over 30 days, the new rows over the last 2 hours. The folded part is
 * rolled up with one {@code INSERT ... SELECT ... GROUP BY} and the watermark set past it, the
 * state the job would have left. On a shared machine one timing is noisy, so each ledger is
 * folded several times, alternating, and rewound in between (the rollup rows of the new rows'
 * hours restored, the watermark set back); the medians are compared. One fold of the small
 * ledger warms the JIT up first.
 * <p>
 * Uses the PostgreSQL of the tests ({@code METERING_TEST_POSTGRES_URL}, or 127.0.0.1:5432/test)
 * and drops its tables at the end. Run ({@code CP} as in docs/BENCHMARKS.md):
 * <pre>
 * java -Xmx2g -cp "$CP" dev.metering.rollup.RollupBenchmark
 * </pre>
 * Optional arguments: new rows, the two ledger sizes (0 for the second: one ledger only), rounds,
 * batch size, tenants, meters, and which fold ({@code database}, {@code java} or {@code both}, each
 * measured in the same run, alternating), and the Java fold's batch size (to measure it at its former
 * default while the database fold runs at another); defaults {@code 1000000 1000000 10000000 3}, the default
 * {@code metering.rollup.batch-size}, {@code 1000 5 both}, the same batch size. The request meter's shape, few rollup
 * keys per batch: {@code 10 1}. A tenth argument above 0 writes the new rows through the kit's store
 * in batches of that size, as the writer does, so with their batch sums where a batch has few keys
 * (the folded part is COPYed as before).
 */
public final class RollupBenchmark {

	private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx",
			Locale.ROOT);

	private static final String[] METERS = { "http.requests", "api.calls", "exports.rows", "storage.gb", "emails" };

	private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

	/** {@code getconf CLK_TCK} on Linux. */
	static final double TICKS_PER_SECOND = 100;

	private static final Duration NEW_SPREAD = Duration.ofHours(2);

	/** Every rollup row the new rows can touch starts at or after this. */
	private static final Instant NEW_HOURS = NOW.minus(NEW_SPREAD).truncatedTo(ChronoUnit.HOURS);

	private RollupBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int newRows = (args.length > 0) ? Integer.parseInt(args[0]) : 1_000_000;
		long small = (args.length > 1) ? Long.parseLong(args[1]) : 1_000_000;
		long large = (args.length > 2) ? Long.parseLong(args[2]) : 10_000_000;
		int rounds = (args.length > 3) ? Integer.parseInt(args[3]) : 3;
		int batchSize = (args.length > 4) ? Integer.parseInt(args[4]) : RollupSettings.defaults().batchSize();
		Shape shape = new Shape((args.length > 5) ? Integer.parseInt(args[5]) : 1_000,
				(args.length > 6) ? Integer.parseInt(args[6]) : METERS.length);
		boolean[] inDatabase = ((args.length > 7) ? args[7] : "both").equals("both") ? new boolean[] { true, false }
				: new boolean[] { args[7].equals("database") };
		// The Java fold's own batch size (default: the same), to compare with it at its former default.
		int javaBatchSize = (args.length > 8) ? Integer.parseInt(args[8]) : batchSize;
		// Above 0: the new rows are written by the kit's store in batches of this size, with their sums.
		int writerBatch = (args.length > 9) ? Integer.parseInt(args[9]) : 0;
		RollupSettings settings = new RollupSettings(batchSize, RollupSettings.defaults().gapTimeout());
		RollupSettings javaSettings = new RollupSettings(javaBatchSize, RollupSettings.defaults().gapTimeout());
		System.out.printf("Rollup fold benchmark: %,d new rows over ledgers of %,d and %,d folded rows; %,d tenants, "
				+ "%d meters; batch size %,d (Java fold: %,d); new rows %s; %d rounds; Java %s, %d processors%n",
				newRows, small, large, shape.tenants(), shape.meters(), batchSize, javaBatchSize,
				(writerBatch > 0) ? String.format("by the kit's store in batches of %,d", writerBatch) : "by COPY",
				rounds, Runtime.version(), Runtime.getRuntime().availableProcessors());
		try (Ledger smallLedger = new Ledger(small, newRows, settings, javaSettings, shape, writerBatch);
				Ledger largeLedger = (large > 0)
						? new Ledger(large, newRows, settings, javaSettings, shape, writerBatch) : null) {
			Ledger[] ledgers = (largeLedger != null) ? new Ledger[] { smallLedger, largeLedger }
					: new Ledger[] { smallLedger };
			for (Ledger ledger : ledgers) {
				System.out.printf("loaded: %,d-row ledger in %.0f s%n", ledger.foldedRows, ledger.loadSeconds);
			}
			for (boolean database : inDatabase) {
				Fold warmUp = smallLedger.fold(database);
				System.out.printf("warm-up fold (%s) over %,d rows: %.2f s%n", strategy(database), small,
						warmUp.seconds());
			}
			double[][][] times = new double[ledgers.length][inDatabase.length][rounds];
			// CPU seconds of this JVM plus the fold's PostgreSQL backend: what load distorts least.
			double[][][] cpu = new double[ledgers.length][inDatabase.length][rounds];
			for (int round = 0; round < rounds; round++) {
				for (int l = 0; l < ledgers.length; l++) {
					for (int k = 0; k < inDatabase.length; k++) {
						// The order of the strategies alternates from round to round.
						int s = (k + round) % inDatabase.length;
						Fold fold = ledgers[l].fold(inDatabase[s]);
						times[l][s][round] = fold.seconds();
						cpu[l][s][round] = fold.cpuSeconds() + fold.databaseCpuSeconds();
						System.out.printf("round %d: %s fold over %,d rows %.2f s (%,.0f events/s; %,d events, %,d "
								+ "rollup rows upserted, %d batches); CPU: JVM %.2f s + PostgreSQL backend %.2f s "
								+ "= %.2f s (%.2f µs/event)%n", round + 1, strategy(inDatabase[s]),
								ledgers[l].foldedRows, fold.seconds(), fold.folded() / fold.seconds(), fold.folded(),
								fold.upserted(), fold.batches(), fold.cpuSeconds(), fold.databaseCpuSeconds(),
								cpu[l][s][round], cpu[l][s][round] * 1e6 / fold.folded());
					}
				}
			}
			double[][] medians = new double[ledgers.length][inDatabase.length];
			double[][] cpuMedians = new double[ledgers.length][inDatabase.length];
			for (int l = 0; l < ledgers.length; l++) {
				for (int s = 0; s < inDatabase.length; s++) {
					medians[l][s] = median(times[l][s]);
					cpuMedians[l][s] = median(cpu[l][s]);
					System.out.printf("median %s fold of %,d new rows over %,d rows: %.2f s (%,.0f events/s); "
							+ "CPU %.2f s (%.2f µs/event)%n", strategy(inDatabase[s]), newRows, ledgers[l].foldedRows,
							medians[l][s], newRows / medians[l][s], cpuMedians[l][s], cpuMedians[l][s] * 1e6 / newRows);
				}
				if (inDatabase.length == 2) {
					System.out.printf("rate of the database fold / the Java fold over %,d rows: %.2f (elapsed), "
							+ "%.2f (CPU)%n", ledgers[l].foldedRows, medians[l][1] / medians[l][0],
							cpuMedians[l][1] / cpuMedians[l][0]);
				}
			}
			if (ledgers.length == 2) {
				System.out.printf("ratio (%,d-row ledger / %,d-row ledger, %s fold): %.2f%n", large, small,
						strategy(inDatabase[0]), medians[1][0] / medians[0][0]);
			}
		}
	}

	private static String strategy(boolean inDatabase) {
		return inDatabase ? "database" : "java";
	}

	static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	/** A ledger of folded rows plus new rows, and a way back to the state before the fold. */
	private static final class Ledger implements AutoCloseable {

		private final TestSchema schema = TestDatabase.POSTGRESQL.newSchema();

		private final int newRows;

		private final RollupSettings settings;

		private final RollupSettings javaSettings;

		private final String snapshot;

		private final long watermark;

		private final double loadSeconds;

		private final long foldedRows;

		Ledger(long foldedRows, int newRows, RollupSettings settings, RollupSettings javaSettings, Shape shape,
				int writerBatch) throws Exception {
			this.foldedRows = foldedRows;
			this.newRows = newRows;
			this.settings = settings;
			this.javaSettings = javaSettings;
			this.snapshot = this.schema.prefix() + "bench_snapshot";
			long start = System.nanoTime();
			long[] sequence = { 0 };
			copy(this.schema, foldedRows, sequence, Duration.ofDays(30), shape);
			alreadyFolded(this.schema);
			Long folded = this.schema.jdbc()
				.queryForObject("SELECT watermark FROM " + this.schema.tables().rollupState() + " WHERE name = ?",
						Long.class, RollupJob.NAME);
			this.watermark = (folded != null) ? folded : 0;
			if (writerBatch > 0) {
				write(this.schema, newRows, writerBatch, shape);
			}
			else {
				copy(this.schema, newRows, sequence, NEW_SPREAD, shape);
			}
			this.schema.jdbc()
				.update("CREATE TABLE " + this.snapshot + " AS SELECT * FROM " + this.schema.tables().usageRollup()
						+ " WHERE period_start >= ?", this.schema.dialect().timestamp(NEW_HOURS));
			this.schema.jdbc()
				.update("CREATE TABLE " + this.snapshot + "_sums AS SELECT * FROM " + this.schema.tables().usageEventSum());
			Long sums = this.schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + this.schema.tables().usageEventSum(), Long.class);
			System.out.printf("batch sums of the new rows: %,d%n", sums);
			this.schema.jdbc().execute("VACUUM ANALYZE " + this.schema.tables().usageEvent());
			this.schema.jdbc().execute("VACUUM ANALYZE " + this.schema.tables().usageRollup());
			this.loadSeconds = (System.nanoTime() - start) / 1e9;
		}

		Fold fold(boolean inDatabase) throws Exception {
			this.schema.jdbc().execute("CHECKPOINT");
			RollupResult result;
			double seconds;
			double cpuSeconds;
			double databaseCpuSeconds;
			Instant started = Instant.now();
			try (Connection connection = this.schema.dataSource().getConnection()) {
				// One connection, so one PostgreSQL backend whose CPU time /proc counts.
				SingleConnectionDataSource single = new SingleConnectionDataSource(connection, true);
				Integer pid = new JdbcTemplate(single).queryForObject("SELECT pg_backend_pid()", Integer.class);
				RollupJob job = new RollupJob(single, this.schema::dialect, this.schema.tables(),
						inDatabase ? this.settings : this.javaSettings, Clock.systemUTC(), inDatabase);
				long backendBefore = backendCpuTicks(pid);
				long processBefore = processCpuNanos();
				long start = System.nanoTime();
				result = job.rollupNow();
				seconds = (System.nanoTime() - start) / 1e9;
				cpuSeconds = (processCpuNanos() - processBefore) / 1e9;
				databaseCpuSeconds = (backendCpuTicks(pid) - backendBefore) / TICKS_PER_SECOND;
			}
			check(this.schema, result, this.newRows);
			Long upserted = this.schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + this.schema.tables().usageRollup() + " WHERE updated_at >= ?",
						Long.class, this.schema.dialect().timestamp(started.minusSeconds(1)));
			rewind();
			return new Fold(result.eventsFolded(), (upserted != null) ? upserted : 0, result.batches(), seconds,
					cpuSeconds, databaseCpuSeconds);
		}

		/** Back to before the fold: the new rows' hours as they were, the watermark below the new rows. */
		private void rewind() {
			String rollup = this.schema.tables().usageRollup();
			this.schema.jdbc()
				.update("DELETE FROM " + rollup + " WHERE period_start >= ?", this.schema.dialect().timestamp(NEW_HOURS));
			this.schema.jdbc().update("INSERT INTO " + rollup + " SELECT * FROM " + this.snapshot);
			this.schema.jdbc()
				.update("UPDATE " + this.schema.tables().rollupState() + " SET watermark = ? WHERE name = ?",
						this.watermark, RollupJob.NAME);
			this.schema.jdbc().update("DELETE FROM " + this.schema.tables().rollupGap());
			this.schema.jdbc().update("DELETE FROM " + this.schema.tables().usageEventSum());
			this.schema.jdbc()
				.update("INSERT INTO " + this.schema.tables().usageEventSum() + " SELECT * FROM " + this.snapshot + "_sums");
			this.schema.jdbc().execute("VACUUM ANALYZE " + rollup);
		}

		@Override
		public void close() {
			this.schema.jdbc().execute("DROP TABLE IF EXISTS " + this.snapshot);
			this.schema.jdbc().execute("DROP TABLE IF EXISTS " + this.snapshot + "_sums");
			this.schema.close();
		}

	}

	/** The state a rollup job leaves after folding every row so far. */
	private static void alreadyFolded(TestSchema schema) {
		schema.jdbc()
			.update("INSERT INTO " + schema.tables().usageRollup() + " (tenant_id, meter, billing_scope_id, "
					+ "period_start, quantity, event_count, updated_at) SELECT tenant_id, meter, billing_scope_id, "
					+ "date_trunc('hour', occurred_at, 'UTC'), SUM(quantity), COUNT(*), now() FROM "
					+ schema.tables().usageEvent() + " GROUP BY 1, 2, 3, 4");
		schema.jdbc()
			.update("INSERT INTO " + schema.tables().rollupState() + " (name, watermark, updated_at) "
					+ "SELECT ?, COALESCE(MAX(id), 0), now() FROM " + schema.tables().usageEvent(), RollupJob.NAME);
	}

	private static void check(TestSchema schema, RollupResult result, int newRows) {
		if (result.eventsFolded() != newRows) {
			throw new IllegalStateException("Folded " + result.eventsFolded() + " rows, expected " + newRows);
		}
		Map<String, Object> ledger = schema.jdbc()
			.queryForMap("SELECT SUM(quantity) AS q, COUNT(*) AS c FROM " + schema.tables().usageEvent());
		Map<String, Object> rollups = schema.jdbc()
			.queryForMap("SELECT SUM(quantity) AS q, SUM(event_count) AS c FROM " + schema.tables().usageRollup());
		if (((BigDecimal) ledger.get("q")).compareTo((BigDecimal) rollups.get("q")) != 0
				|| ((Number) ledger.get("c")).longValue() != ((Number) rollups.get("c")).longValue()) {
			throw new IllegalStateException("Rollups " + rollups + " differ from the ledger " + ledger);
		}
	}

	/**
	 * Appends the new rows as the writer does, through the kit's store in batches (so with their
	 * batch sums where a batch has few keys): the same shape as {@link #copy}, over the last two hours.
	 */
	private static void write(TestSchema schema, int rows, int batchSize, Shape shape) {
		SplittableRandom random = new SplittableRandom(rows);
		JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
		List<UsageEvent> batch = new ArrayList<>(batchSize);
		for (int i = 0; i < rows; i++) {
			String tenant = "tenant-" + random.nextInt(shape.tenants());
			String scope = (random.nextInt(4) == 0) ? "parent-" + random.nextInt(Math.max(1, shape.tenants() / 10))
					: tenant;
			batch.add(UsageEvent.builder(tenant, METERS[random.nextInt(shape.meters())])
				.billingScopeId(scope)
				.quantity(new BigDecimal(random.nextInt(1, 1_000_000) + ".25"))
				.occurredAt(NOW.minusMillis(random.nextLong(NEW_SPREAD.toMillis())))
				.build());
			if (batch.size() == batchSize || i == rows - 1) {
				store.insert(batch, NOW);
				batch.clear();
			}
		}
	}

	/** Appends rows with COPY: tenants and meters at random, occurred-at spread over {@code spread}. */
	private static void copy(TestSchema schema, long rows, long[] sequence, Duration spread, Shape shape)
			throws Exception {
		SplittableRandom random = new SplittableRandom(rows ^ sequence[0]);
		String recorded = TIMESTAMP.format(OffsetDateTime.ofInstant(NOW, ZoneOffset.UTC));
		String sql = "COPY " + schema.tables().usageEvent() + " (event_id, tenant_id, billing_scope_id, meter, "
				+ "quantity, occurred_at, recorded_at, source) FROM STDIN WITH (FORMAT csv)";
		try (Connection connection = schema.dataSource().getConnection()) {
			CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
			StringBuilder chunk = new StringBuilder(1 << 20);
			for (long i = 0; i < rows; i++) {
				long n = ++sequence[0];
				String tenant = "tenant-" + random.nextInt(shape.tenants());
				String scope = (random.nextInt(4) == 0) ? "parent-" + random.nextInt(Math.max(1, shape.tenants() / 10))
						: tenant;
				Instant occurred = NOW.minusMillis(random.nextLong(spread.toMillis()));
				// Time-ordered event ids, as UUID v7 are: the unique index grows at its end.
				chunk.append(new UUID(0x0190_0000_0000_7000L, n))
					.append(',')
					.append(tenant)
					.append(',')
					.append(scope)
					.append(',')
					.append(METERS[random.nextInt(shape.meters())])
					.append(',')
					.append(random.nextInt(1, 1_000_000))
					.append(".25,")
					.append(TIMESTAMP.format(OffsetDateTime.ofInstant(occurred, ZoneOffset.UTC)))
					.append(',')
					.append(recorded)
					.append(",http\n");
				if (chunk.length() > (1 << 20) - 512) {
					byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
					copy.writeToCopy(bytes, 0, bytes.length);
					chunk.setLength(0);
				}
			}
			byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
			copy.writeToCopy(bytes, 0, bytes.length);
			copy.endCopy();
		}
	}

	/** How many tenants and meters the rows spread over: the number of rollup keys per batch. */
	private record Shape(int tenants, int meters) {

	}

	/** CPU time of this JVM (all its threads: the fold's, GC, JIT). */
	static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	/** User plus system CPU time of a local PostgreSQL backend, in clock ticks ({@code /proc/<pid>/stat}). */
	static long backendCpuTicks(Integer pid) throws Exception {
		if (pid == null) {
			return 0;
		}
		String stat = Files.readString(Path.of("/proc", pid.toString(), "stat"));
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		// Fields 14 and 15 of stat(5), counted from the state (field 3) here.
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

	private record Fold(long folded, long upserted, int batches, double seconds, double cpuSeconds,
			double databaseCpuSeconds) {

	}

}
