package dev.metering.rollup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static dev.metering.rollup.RollupBenchmark.TICKS_PER_SECOND;
import static dev.metering.rollup.RollupBenchmark.backendCpuTicks;
import static dev.metering.rollup.RollupBenchmark.median;
import static dev.metering.rollup.RollupBenchmark.processCpuNanos;

/**
 * Not a test: what batch sums cost and save in all, writer and rollup together, on PostgreSQL.
 * Two ledgers get the same events in the same writer batches, one by a store that writes batch
 * sums and one by a store that does not; each ledger is then folded by the rollup job. Per event
 * it prints the CPU of the writing (the writer thread plus its PostgreSQL backend) and of the
 * fold (JVM plus backend) for each, alternating rounds, and the medians.
 * <p>
 * Uses the PostgreSQL of the tests ({@code METERING_TEST_POSTGRES_URL}, or 127.0.0.1:5432/test).
 * Arguments: events per round, writer batch size, tenants, users per tenant (0: no user), rounds;
 * defaults {@code 300000 1500 10 0 3}.
 */
public final class BatchSumCostBenchmark {

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private BatchSumCostBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int events = (args.length > 0) ? Integer.parseInt(args[0]) : 300_000;
		int batch = (args.length > 1) ? Integer.parseInt(args[1]) : 1_500;
		int tenants = (args.length > 2) ? Integer.parseInt(args[2]) : 10;
		int users = (args.length > 3) ? Integer.parseInt(args[3]) : 0;
		int rounds = (args.length > 4) ? Integer.parseInt(args[4]) : 3;
		System.out.printf("Batch sums, cost and saving: %,d events per round in batches of %,d, %d tenants, %d users "
				+ "per tenant, %d rounds; Java %s%n", events, batch, tenants, users, rounds, Runtime.version());
		double[][] write = new double[2][rounds];
		double[][] fold = new double[2][rounds];
		for (int round = 0; round < rounds; round++) {
			List<UsageEvent> generated = generate(events, tenants, users, round);
			for (int k = 0; k < 2; k++) {
				boolean sums = ((k + round) % 2) == 0;
				try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
					double[] cost = run(schema, generated, batch, sums);
					int s = sums ? 0 : 1;
					write[s][round] = cost[0] * 1e6 / events;
					fold[s][round] = cost[1] * 1e6 / events;
					System.out.printf("round %d, %s: write %.2f µs/event, fold %.2f µs/event, sum rows %,d%n", round + 1,
							sums ? "with sums" : "without sums", write[s][round], fold[s][round], (long) cost[2]);
				}
			}
		}
		for (int s = 0; s < 2; s++) {
			System.out.printf("median %s: write %.2f µs/event, fold %.2f µs/event, together %.2f%n",
					(s == 0) ? "with sums" : "without sums", median(write[s]), median(fold[s]),
					median(write[s]) + median(fold[s]));
		}
	}

	/** CPU seconds of the writing and of the fold (JVM thread or process, plus backend), and the sum rows written. */
	private static double[] run(TestSchema schema, List<UsageEvent> events, int batch, boolean sums) throws Exception {
		double[] cost = new double[3];
		Instant now = Instant.now();
		try (Connection connection = schema.dataSource().getConnection()) {
			SingleConnectionDataSource single = new SingleConnectionDataSource(connection, true);
			Integer pid = new JdbcTemplate(single).queryForObject("SELECT pg_backend_pid()", Integer.class);
			JdbcUsageEventStore store = new JdbcUsageEventStore(single, schema::dialect, schema.tables(), sums);
			long backend = backendCpuTicks(pid);
			long thread = THREADS.getCurrentThreadCpuTime();
			for (int from = 0; from < events.size(); from += batch) {
				store.insert(events.subList(from, Math.min(events.size(), from + batch)), now);
			}
			double writerSeconds = (THREADS.getCurrentThreadCpuTime() - thread) / 1e9;
			double backendSeconds = (backendCpuTicks(pid) - backend) / TICKS_PER_SECOND;
			System.out.printf("  writing: writer thread %.2f µs/event, backend %.2f µs/event%n",
					writerSeconds * 1e6 / events.size(), backendSeconds * 1e6 / events.size());
			cost[0] = writerSeconds + backendSeconds;
			Long rows = new JdbcTemplate(single)
				.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEventSum(), Long.class);
			cost[2] = (rows != null) ? rows : 0;
			schema.jdbc().execute("CHECKPOINT");
			RollupJob job = new RollupJob(single, schema::dialect, schema.tables(), RollupSettings.defaults(),
					Clock.systemUTC());
			backend = backendCpuTicks(pid);
			long process = processCpuNanos();
			RollupResult result = job.rollupNow();
			cost[1] = (processCpuNanos() - process) / 1e9 + (backendCpuTicks(pid) - backend) / TICKS_PER_SECOND;
			if (result.eventsFolded() != events.size() || !RollupTruth.differences(schema).isEmpty()) {
				throw new IllegalStateException("Folded " + result.eventsFolded() + " of " + events.size()
						+ " events, or the rollups differ from the ledger");
			}
		}
		return cost;
	}

	/** The request meter's events: tenants and users at random, over the last hour. */
	private static List<UsageEvent> generate(int count, int tenants, int users, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS);
		List<UsageEvent> events = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			int tenant = random.nextInt(tenants);
			events.add(UsageEvent.builder("tenant-" + tenant, "http.requests")
				.quantity(BigDecimal.ONE)
				.userId((users > 0) ? "user-" + tenant + "-" + random.nextInt(users) : null)
				.occurredAt(start.minus(Duration.ofMillis(random.nextInt(3_600_000))))
				.build());
		}
		return events;
	}

}
