package dev.metering.rollup;

import java.sql.Connection;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Not a test: two measures of defined meters on PostgreSQL, printed with their aims.
 * <ol>
 * <li><b>Fold rate</b>: the same number of new rows written by the kit's store in writer batches,
 * once of a meter without definition (today's sum, folded from its batch sums) and once of a
 * {@code sum} meter with one group-by of {@code groups} values (its group rollups folded too);
 * each folded by one {@link RollupJob} run, alternating over {@code rounds} and rewound in
 * between; medians and their ratio (aim: grouped ÷ plain rate ≥ 0.7).</li>
 * <li><b>Unique count of a month</b>: {@code uniqueEvents} events of one tenant's
 * {@code unique-count} meter in one month over {@code users} distinct users (loaded with
 * {@code COPY}, folded by the job), then the month's count read from the distinct values
 * ({@link MeterRollupReader#uniqueCounts}) {@code rounds} times; the median (aim ≤ 200 ms),
 * beside {@code COUNT(DISTINCT)} over the ledger for comparison.</li>
 * </ol>
 * Uses the PostgreSQL of the tests ({@code METERING_TEST_POSTGRES_URL}, or 127.0.0.1:5432/test)
 * and drops its tables at the end. Run ({@code CP} as in docs/BENCHMARKS.md):
 * <pre>
 * java -Xmx3g -cp "$CP" dev.metering.rollup.MeterFoldBenchmark
 * </pre>
 * Arguments (all optional): what ({@code fold}, {@code unique} or {@code both}), rows, rounds,
 * writer batch, groups, unique events, users, tenants, minutes the instants spread over, tenants
 * of the meter without definition (a baseline with as many keys as the grouped meter: tenants
 * times groups); defaults {@code both 1000000 3 1500 100 10000000 100000 10 120 10}.
 */
public final class MeterFoldBenchmark {

	private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

	private MeterFoldBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		String what = (args.length > 0) ? args[0] : "both";
		int rows = (args.length > 1) ? Integer.parseInt(args[1]) : 1_000_000;
		int rounds = (args.length > 2) ? Integer.parseInt(args[2]) : 3;
		int writerBatch = (args.length > 3) ? Integer.parseInt(args[3]) : 1_500;
		int groups = (args.length > 4) ? Integer.parseInt(args[4]) : 100;
		long uniqueEvents = (args.length > 5) ? Long.parseLong(args[5]) : 10_000_000;
		int users = (args.length > 6) ? Integer.parseInt(args[6]) : 100_000;
		int tenants = (args.length > 7) ? Integer.parseInt(args[7]) : 10;
		long spreadMinutes = (args.length > 8) ? Long.parseLong(args[8]) : 120;
		int plainTenants = (args.length > 9) ? Integer.parseInt(args[9]) : tenants;
		System.out.printf("Meter fold benchmark (%s): Java %s, %d processors%n", what, Runtime.version(),
				Runtime.getRuntime().availableProcessors());
		if (!what.equals("unique")) {
			foldRates(rows, rounds, writerBatch, groups, tenants, spreadMinutes, plainTenants);
		}
		if (!what.equals("fold")) {
			uniqueCountOfAMonth(uniqueEvents, users, rounds);
		}
	}

	private static void foldRates(int rows, int rounds, int writerBatch, int groups, int tenants, long spreadMinutes,
			int plainTenants) throws Exception {
		MeterDefinitions grouped = MeterDefinitions.of(List.of(MeterDefinition.builder("llm.tokens", Aggregation.SUM)
			.value("/tokens")
			.groupBy("model", "/model")
			.maxGroups(Math.max(groups, 1))
			.build()));
		System.out.printf("fold: %,d rows a case, writer batches of %,d, %d rounds; grouped meter: %d models; %d tenants; "
				+ "instants over %d minutes; meter without definition: %d tenants%n", rows, writerBatch, rounds, groups, tenants,
				spreadMinutes, plainTenants);
		try (TestSchema plain = TestDatabase.POSTGRESQL.newSchema();
				TestSchema defined = TestDatabase.POSTGRESQL.newSchema()) {
			write(plain, rows, writerBatch, groups, MeterDefinitions.NONE, plainTenants, spreadMinutes);
			write(defined, rows, writerBatch, groups, grouped, tenants, spreadMinutes);
			snapshotSums(plain);
			snapshotSums(defined);
			double[] plainSeconds = new double[rounds];
			double[] groupedSeconds = new double[rounds];
			double[] plainCpu = new double[rounds];
			double[] groupedCpu = new double[rounds];
			fold(plain, MeterDefinitions.NONE, rows);
			fold(defined, grouped, rows);
			for (int round = 0; round < rounds; round++) {
				boolean plainFirst = round % 2 == 0;
				for (int k = 0; k < 2; k++) {
					boolean isPlain = (k == 0) == plainFirst;
					double[] run = isPlain ? fold(plain, MeterDefinitions.NONE, rows) : fold(defined, grouped, rows);
					(isPlain ? plainSeconds : groupedSeconds)[round] = run[0];
					(isPlain ? plainCpu : groupedCpu)[round] = run[1] + run[2];
					System.out.printf("round %d: %s %.3f s (%,.0f events/s); CPU per event: JVM %.3f us, PostgreSQL %.3f us%n",
							round + 1, isPlain ? "sum meter without definition" : "sum meter grouped by model", run[0],
							rows / run[0], run[1] * 1e6 / rows, run[2] * 1e6 / rows);
				}
			}
			double plainMedian = RollupBenchmark.median(plainSeconds);
			double groupedMedian = RollupBenchmark.median(groupedSeconds);
			System.out.printf("median: without definition %.3f s (%,.0f events/s, CPU %.3f us/event); grouped %.3f s "
					+ "(%,.0f events/s, CPU %.3f us/event)%n", plainMedian, rows / plainMedian,
					RollupBenchmark.median(plainCpu) * 1e6 / rows, groupedMedian, rows / groupedMedian,
					RollupBenchmark.median(groupedCpu) * 1e6 / rows);
			System.out.printf("fold rate, grouped / without definition: %.2f (aim >= 0.7); CPU ratio %.2f%n",
					plainMedian / groupedMedian, RollupBenchmark.median(plainCpu) / RollupBenchmark.median(groupedCpu));
		}
	}

	/** Writes the rows as the writer does: the kit's store in batches, with batch sums. */
	private static void write(TestSchema schema, int rows, int batchSize, int groups, MeterDefinitions definitions,
			int tenants, long spreadMinutes) {
		SplittableRandom random = new SplittableRandom(rows);
		// As the application's store: batch sums, and meter aggregates for batches of defined meters.
		JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables(), true,
				(meter) -> definitions.find(meter) != null);
		MeterEvents events = new MeterEvents(definitions);
		List<UsageEvent> batch = new ArrayList<>(batchSize);
		for (int i = 0; i < rows; i++) {
			batch.addAll(events.eventsOf(UsagePayload.builder("tenant-" + random.nextInt(tenants), "llm.tokens")
				.quantity(random.nextInt(1, 5_000))
				.data(Map.of("model", "model-" + random.nextInt(Math.max(groups, 1)), "tokens", random.nextInt(1, 5_000)))
				.occurredAt(NOW.minusMillis(random.nextLong(Math.max(spreadMinutes * 60_000, 1))))
				.build()));
			if (batch.size() >= batchSize || i == rows - 1) {
				store.insert(batch, NOW);
				batch.clear();
			}
		}
		schema.jdbc().execute("VACUUM ANALYZE " + schema.tables().usageEvent());
	}

	private static void snapshotSums(TestSchema schema) {
		schema.jdbc()
			.execute("CREATE TABLE " + schema.prefix() + "bench_sums AS SELECT * FROM " + schema.tables().usageEventSum());
		schema.jdbc()
			.execute("CREATE TABLE " + schema.prefix() + "bench_meter_batch AS SELECT * FROM "
					+ schema.tables().meterBatch());
		System.out.printf("%s: %,d batch sum rows, %,d batch meter aggregate rows%n", schema.prefix(),
				schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEventSum(), Long.class),
				schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.tables().meterBatch(), Long.class));
	}

	/**
	 * One run over the whole ledger on one connection (one PostgreSQL backend whose CPU /proc
	 * counts), checked, then rewound to nothing folded.
	 * @return elapsed seconds, this JVM's CPU seconds, the backend's CPU seconds
	 */
	private static double[] fold(TestSchema schema, MeterDefinitions definitions, int rows) throws Exception {
		schema.jdbc().execute("CHECKPOINT");
		RollupResult result;
		double seconds;
		double cpu;
		double databaseCpu;
		try (Connection connection = schema.dataSource().getConnection()) {
			SingleConnectionDataSource single = new SingleConnectionDataSource(connection, true);
			Integer pid = new JdbcTemplate(single).queryForObject("SELECT pg_backend_pid()", Integer.class);
			RollupJob job = new RollupJob(single, schema::dialect, schema.tables(), RollupSettings.defaults(),
					Clock.systemUTC(), () -> definitions);
			long backendBefore = RollupBenchmark.backendCpuTicks(pid);
			long processBefore = RollupBenchmark.processCpuNanos();
			long start = System.nanoTime();
			result = job.rollupNow();
			seconds = (System.nanoTime() - start) / 1e9;
			cpu = (RollupBenchmark.processCpuNanos() - processBefore) / 1e9;
			databaseCpu = (RollupBenchmark.backendCpuTicks(pid) - backendBefore) / 100.0;
		}
		if (result.eventsFolded() != rows) {
			throw new IllegalStateException("Folded " + result.eventsFolded() + " rows, expected " + rows);
		}
		for (String table : List.of(schema.tables().usageRollup(), schema.tables().usageUserRollup(),
				schema.tables().meterRollup(), schema.tables().meterGroup(), schema.tables().meterDistinct(),
				schema.tables().rollupGap(), schema.tables().usageEventSum(), schema.tables().meterBatch())) {
			schema.jdbc().update("DELETE FROM " + table);
		}
		schema.jdbc().update("INSERT INTO " + schema.tables().usageEventSum() + " SELECT * FROM " + schema.prefix()
				+ "bench_sums");
		schema.jdbc().update("INSERT INTO " + schema.tables().meterBatch() + " SELECT * FROM " + schema.prefix()
				+ "bench_meter_batch");
		schema.jdbc().update("UPDATE " + schema.tables().rollupState() + " SET watermark = 0");
		return new double[] { seconds, cpu, databaseCpu };
	}

	private static void uniqueCountOfAMonth(long events, int users, int rounds) throws Exception {
		MeterDefinitions seats = MeterDefinitions.of(
				List.of(MeterDefinition.builder("seats", Aggregation.UNIQUE_COUNT).value("/user").build()));
		Instant month = MeterFold.monthOf(NOW);
		System.out.printf("unique count: %,d events of one tenant in the month of %s, %,d users%n", events, month, users);
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			long start = System.nanoTime();
			copySeats(schema, events, users, month);
			System.out.printf("loaded in %.0f s%n", (System.nanoTime() - start) / 1e9);
			start = System.nanoTime();
			RollupResult folded = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(),
					RollupSettings.defaults(), Clock.systemUTC(), () -> seats)
				.rollupNow();
			System.out.printf("folded %,d events in %.0f s%n", folded.eventsFolded(), (System.nanoTime() - start) / 1e9);
			schema.jdbc().execute("VACUUM ANALYZE " + schema.tables().meterDistinct());
			MeterRollupReader reader = new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables());
			Instant end = month.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
			double[] millis = new double[rounds];
			double[] ledgerMillis = new double[rounds];
			long count = 0;
			for (int round = 0; round < rounds; round++) {
				start = System.nanoTime();
				count = reader.uniqueCounts("acme", "seats", month, end).getOrDefault(Map.of(), 0L);
				millis[round] = (System.nanoTime() - start) / 1e6;
				start = System.nanoTime();
				Long distinct = schema.jdbc().queryForObject("SELECT COUNT(DISTINCT dimensions->>'__unique__') FROM "
						+ schema.tables().usageEvent() + " WHERE tenant_id = 'acme' AND meter = 'seats' "
						+ "AND occurred_at >= ? AND occurred_at < ?", Long.class, schema.dialect().timestamp(month),
						schema.dialect().timestamp(end));
				ledgerMillis[round] = (System.nanoTime() - start) / 1e6;
				if (distinct == null || distinct != count) {
					throw new IllegalStateException("Unique count " + count + ", COUNT(DISTINCT) " + distinct);
				}
				System.out.printf("round %d: %,d users, from the distinct values %.1f ms; COUNT(DISTINCT) over the "
						+ "ledger %.1f ms%n", round + 1, count, millis[round], ledgerMillis[round]);
			}
			System.out.printf("median unique count of the month: %.1f ms (aim <= 200 ms); COUNT(DISTINCT) over the "
					+ "ledger %.1f ms%n", RollupBenchmark.median(millis), RollupBenchmark.median(ledgerMillis));
		}
	}

	/**
	 * Seats events generated by the server in one {@code INSERT ... SELECT generate_series} (no
	 * client round trips), as the kit writes them: the user under the unique-count dimension, users
	 * and instants drawn by a hash of the row number, so every run loads the same ledger.
	 */
	private static void copySeats(TestSchema schema, long events, int users, Instant month) {
		long spread = Math.max(Math.min(ChronoUnit.MILLIS.between(month, NOW), 27L * 24 * 3600 * 1000), 1);
		schema.jdbc()
			.update("INSERT INTO " + schema.tables().usageEvent() + " (event_id, tenant_id, billing_scope_id, meter, "
					+ "quantity, occurred_at, recorded_at, source, dimensions) SELECT CAST(lpad(to_hex(i), 32, '0') AS uuid), "
					+ "'acme', 'acme', 'seats', 1, CAST(? AS timestamptz) + (abs(hashint8(i)) % ?) * interval '1 millisecond', "
					+ "CAST(? AS timestamptz), 'api', jsonb_build_object('__unique__', 'u-' || (abs(hashint8(-i)) % ?)) "
					+ "FROM generate_series(CAST(1 AS bigint), ?) AS g(i)",
					schema.dialect().timestamp(month), spread, schema.dialect().timestamp(NOW), users, events);
		schema.jdbc().execute("VACUUM ANALYZE " + schema.tables().usageEvent());
	}

}
