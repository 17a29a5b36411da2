package dev.metering.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.ledger.OverflowPolicy;
import dev.metering.ledger.UsageEventStore;
import dev.metering.ledger.WriterSettings;
import dev.metering.ledger.WriterStats;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The ledger writer's sustained events/s into PostgreSQL next to PostgreSQL's own {@code COPY} of
 * the same rows into the same table, in the same run.
 * <p>
 * Every measurement starts from the same state: the table truncated, then a checkpoint, so no
 * measurement pays for the previous one's dirty pages. COPY and every writer configuration are
 * measured once per round, the order rotating from round to round so slow drift of a shared
 * machine does not favour one of them; the report gives medians. Before the rounds each
 * configuration runs once on a slice of the events to warm up the JIT and the driver's prepared
 * statements, and each strategy is checked for exact insert counts with duplicates.
 * <p>
 * Writer: producer threads record every event through the kit's {@link DefaultUsageRecorder}
 * (validation included) into a {@link BufferedLedgerWriter} whose buffer holds them all, so the
 * background thread never waits for producers; the clock runs from the first record until
 * {@link BufferedLedgerWriter#flush(Duration)} returns, i.e. until the last event is committed.
 * COPY: one {@code COPY ... FROM STDIN (FORMAT binary)} of all rows through pgjdbc's {@code CopyManager},
 * encoding rows as it streams them, timed until the server has committed it.
 * <p>
 * Arguments, each {@code name=value}, all optional: {@code url} (default the local server,
 * database {@code test}, user {@code postgres}), {@code events} (1000000), {@code rounds} (3),
 * {@code batchSizes} (1000,5000), {@code strategies} (all of {@link PostgresStrategy}),
 * {@code producers} (2), {@code tenants} (500), {@code warmupEvents} (100000).
 */
public final class WriterVsCopyBenchmark {

	private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	static final String COPY = "COPY";

	/** The connections' application name, by which their server processes are found for their CPU time. */
	private static final String APPLICATION_NAME = "writer-vs-copy-" + ProcessHandle.current().pid();

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private final Map<String, String> options;

	private final String url;

	private final MeteringTables tables = new MeteringTables("wvc" + ProcessHandle.current().pid() + "_metering_");

	private HikariDataSource plain;

	private HikariDataSource rewriting;

	private JdbcTemplate jdbc;

	private CpuMeter cpu;

	private WriterVsCopyBenchmark(Map<String, String> options) {
		this.options = options;
		this.url = options.getOrDefault("url", DEFAULT_URL);
	}

	/**
	 * Runs the benchmark and prints each measurement and a summary table.
	 * @param args {@code name=value} options (see the class description)
	 * @throws Exception when the database fails
	 */
	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			if (eq < 1) {
				throw new IllegalArgumentException("Arguments are name=value, was '" + arg + "'");
			}
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		new WriterVsCopyBenchmark(options).run();
	}

	private void run() throws Exception {
		int eventCount = intOption("events", 1_000_000);
		int rounds = intOption("rounds", 3);
		int producers = intOption("producers", 2);
		int warmupEvents = Math.min(eventCount, intOption("warmupEvents", 100_000));
		List<Integer> batchSizes = Arrays.stream(this.options.getOrDefault("batchSizes", "1000,5000").split(","))
			.map(String::trim)
			.map(Integer::valueOf)
			.toList();
		List<PostgresStrategy> strategies = (this.options.containsKey("strategies"))
				? Arrays.stream(this.options.get("strategies").split(","))
					.map((name) -> PostgresStrategy.valueOf(name.trim().toUpperCase(Locale.ROOT)))
					.toList()
				: List.of(PostgresStrategy.values());

		this.plain = dataSource(this.url, "plain");
		this.rewriting = dataSource(this.url + (this.url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true",
				"rewrite");
		this.jdbc = new JdbcTemplate(this.plain);
		this.cpu = new CpuMeter(this.jdbc, APPLICATION_NAME);
		// Interrupted (Ctrl-C), the finally block below does not run: drop the table on the way out.
		Thread dropOnExit = new Thread(this::dropTableDirectly);
		Runtime.getRuntime().addShutdownHook(dropOnExit);
		try {
			createTable();
			WriterVsCopyReport.printEnvironment(this.jdbc, this.tables, eventCount, rounds, producers, batchSizes);

			List<UsageEvent> events = BenchmarkEvents.generate(eventCount, intOption("tenants", 500), 42);
			System.out.printf("Generated %,d events (%,d with an idempotency key)%n%n", events.size(),
					events.stream().filter((e) -> e.idempotencyKey() != null).count());

			Map<PostgresStrategy, Boolean> exact = new LinkedHashMap<>();
			for (PostgresStrategy strategy : strategies) {
				exact.put(strategy, checkExactCounts(strategy));
			}
			System.out.println();

			List<String> configurations = new ArrayList<>();
			configurations.add(COPY);
			for (PostgresStrategy strategy : strategies) {
				for (int batchSize : batchSizes) {
					configurations.add(strategy.name() + " @" + batchSize);
				}
			}

			System.out.printf("Warm-up: each configuration once on %,d events%n", warmupEvents);
			List<UsageEvent> warmup = events.subList(0, warmupEvents);
			for (String configuration : configurations) {
				measure(configuration, warmup, producers);
			}
			System.out.println();

			Map<String, List<CpuMeter.Cost>> results = new LinkedHashMap<>();
			configurations.forEach((configuration) -> results.put(configuration, new ArrayList<>()));
			for (int round = 0; round < rounds; round++) {
				System.out.printf("Round %d of %d (1-minute load average %.2f)%n", round + 1, rounds,
						ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
				for (int i = 0; i < configurations.size(); i++) {
					// The order rotates, so each configuration runs first, and last, equally often.
					String configuration = configurations.get((i + round) % configurations.size());
					CpuMeter.Cost cost = measure(configuration, events, producers);
					results.get(configuration).add(cost);
					System.out.printf(Locale.ROOT,
							"  %-26s %,12.0f rows/s   CPU per row: JVM %5.2f us, PostgreSQL backend %5.2f us, WAL writer %4.2f us; "
									+ "backend on CPU %3.0f%%, waiting for a CPU %3.0f%%, asleep %3.0f%% of the time; %d GCs, %d ms%n",
							configuration, cost.perSecond(), cost.jvmMicrosPerRow(), cost.backendMicrosPerRow(),
							cost.walWriterMicrosPerRow(), 100 * cost.backendOnCpu(), 100 * cost.backendWaitingForCpu(), 100 * cost.backendAsleep(),
							cost.gcs(), cost.gcMillis());
				}
			}
			WriterVsCopyReport.printSummary(results, exact, strategies);
		}
		finally {
			dropTable();
			this.plain.close();
			this.rewriting.close();
			Runtime.getRuntime().removeShutdownHook(dropOnExit);
		}
	}

	private CpuMeter.Cost measure(String configuration, List<UsageEvent> events, int producers) throws Exception {
		reset();
		if (COPY.equals(configuration)) {
			return copy(events);
		}
		String[] parts = configuration.split(" @");
		PostgresStrategy strategy = PostgresStrategy.valueOf(parts[0]);
		return write(strategy, Integer.parseInt(parts[1]), events, producers);
	}

	/** PostgreSQL's own bulk load of the same rows: the baseline. */
	private CpuMeter.Cost copy(List<UsageEvent> events) throws SQLException {
		Instant recordedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
		String sql = "COPY " + this.tables.usageEvent() + " (" + CopyRows.LEDGER_COLUMNS + ") FROM STDIN (FORMAT binary)";
		try (Connection connection = this.plain.getConnection()) {
			connection.setAutoCommit(true);
			CpuMeter.Reading before = this.cpu.read();
			CopyIn copyIn = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
			CopyRows.write(copyIn, events, recordedAt);
			long rows = copyIn.endCopy();
			CpuMeter.Cost cost = this.cpu.read().since(before, events.size());
			check(rows == events.size() && count() == events.size(),
					"COPY wrote " + rows + " rows of " + events.size());
			return cost;
		}
	}

	/** The kit's writer fed by producer threads, until every event is committed. */
	private CpuMeter.Cost write(PostgresStrategy strategy, int batchSize, List<UsageEvent> events, int producers)
			throws InterruptedException {
		UsageEventStore store = strategy.store(dataSourceFor(strategy), this.tables);
		// The buffer holds every event, so recording never blocks and the clock measures how fast
		// the writer drains, not how fast producers fill.
		WriterSettings settings = new WriterSettings(events.size(), batchSize, Duration.ofMillis(100),
				OverflowPolicy.BLOCK, Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofMillis(100),
				Duration.ofSeconds(10));
		BufferedLedgerWriter writer = new BufferedLedgerWriter(store, settings, Clock.systemUTC());
		UsageRecorder recorder = new DefaultUsageRecorder(
				new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35), new BigDecimal("1000000000000")), writer);
		writer.start();
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		long[] producerCpu = new long[producers];
		// One cursor for all producers: each takes the next event and records it, so the buffer
		// receives the events in time order up to a swap between producers, as from concurrent
		// requests (each builds its event, and so its time-ordered id, just before recording it).
		// Fixed slices per producer let one run thousands of events ahead of the other, and the
		// ledger's indexes then took two insertion fronts (0.2-0.5 us/row more of PostgreSQL's CPU,
		// docs/BENCHMARKS.md), which no server's requests produce.
		AtomicInteger cursor = new AtomicInteger();
		for (int p = 0; p < producers; p++) {
			int producer = p;
			Thread thread = new Thread(() -> {
				awaitQuietly(go);
				long cpuBefore = THREADS.getCurrentThreadCpuTime();
				for (int i = cursor.getAndIncrement(); i < events.size(); i = cursor.getAndIncrement()) {
					recorder.record(events.get(i));
				}
				producerCpu[producer] = THREADS.getCurrentThreadCpuTime() - cpuBefore;
			}, "producer-" + p);
			thread.start();
			threads.add(thread);
		}
		CpuMeter.Reading before = this.cpu.read();
		go.countDown();
		for (Thread thread : threads) {
			thread.join();
		}
		long producersDone = System.nanoTime();
		boolean flushed = writer.flush(Duration.ofMinutes(10));
		CpuMeter.Cost cost = this.cpu.read().since(before, events.size());
		writer.stop();
		WriterStats stats = writer.stats();
		long rows = count();
		check(flushed && stats.written() == events.size() && stats.duplicates() == 0 && stats.dropped() == 0
				&& stats.rejected() == 0 && rows == events.size(),
				strategy + " @" + batchSize + ": flushed " + flushed + ", " + stats + ", table holds " + rows);
		long elapsed = Math.round(events.size() * 1e9 / cost.perSecond());
		System.out.printf(Locale.ROOT,
				"    (producers: %.2f us CPU/event, done after %.0f%% of the time; writer in batches %.0f%% of the time, "
						+ "%d batches)%n",
				LongStream.of(producerCpu).sum() * 1e-3 / events.size(),
				100.0 * (producersDone - before.nanoTime()) / elapsed, 100.0 * stats.batchNanos() / elapsed,
				stats.batches());
		return cost;
	}

	/**
	 * Writes a batch holding a repeated event id and a repeated (tenant, idempotency key), then a
	 * batch repeating an earlier event, and compares the counts the store reports with the truth.
	 */
	private boolean checkExactCounts(PostgresStrategy strategy) throws SQLException {
		reset();
		UsageEventStore store = strategy.store(dataSourceFor(strategy), this.tables);
		Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
		UsageEvent a = UsageEvent.builder("acme", "http.requests").occurredAt(now).build();
		UsageEvent b = UsageEvent.builder("acme", "http.requests").occurredAt(now).build();
		UsageEvent keyed = UsageEvent.builder("acme", "http.requests").occurredAt(now).idempotencyKey("k").build();
		UsageEvent sameKey = UsageEvent.builder("acme", "http.requests").occurredAt(now).idempotencyKey("k").build();
		UsageEvent otherTenant = UsageEvent.builder("globex", "http.requests")
			.occurredAt(now)
			.idempotencyKey("k")
			.build();
		UsageEvent c = UsageEvent.builder("acme", "http.requests").occurredAt(now).build();
		InsertResult first;
		InsertResult second;
		try {
			first = store.insert(List.of(a, b, a, keyed, sameKey, otherTenant), now);
			second = store.insert(List.of(b, c), now);
		}
		catch (RuntimeException ex) {
			System.out.printf("Exact counts with duplicates, %-17s NO (%s)%n", strategy + ":", ex.getMessage());
			return false;
		}
		long rows = count();
		boolean exact = first.equals(new InsertResult(4, 2)) && second.equals(new InsertResult(1, 1)) && rows == 5;
		System.out.printf("Exact counts with duplicates, %-17s %s (reported %s then %s; table holds %d of 5)%n",
				strategy + ":", exact ? "yes" : "NO", first, second, rows);
		return exact;
	}

	private void createTable() {
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations(
				List.of(MeteringSchemaInitializer.DEFAULT_SCHEMA_LOCATION.replace("@@platform@@", "postgresql")));
		settings.setMode(DatabaseInitializationMode.ALWAYS);
		new MeteringSchemaInitializer(this.plain, settings, this.tables).initializeDatabase();
	}

	/** Drops every table the schema script created under this run's prefix, not only the ledger. */
	private void dropTable() {
		try (Connection connection = this.plain.getConnection()) {
			dropTables(connection);
		}
		catch (SQLException | RuntimeException ex) {
			System.err.println("Could not drop the tables " + this.tables.namePrefix() + "*: " + ex.getMessage());
		}
	}

	private void dropTableDirectly() {
		try (Connection connection = DriverManager.getConnection(this.url)) {
			dropTables(connection);
		}
		catch (SQLException ex) {
			System.err.println("Could not drop the tables " + this.tables.namePrefix() + "*: " + ex.getMessage());
		}
	}

	private void dropTables(Connection connection) throws SQLException {
		List<String> names = new ArrayList<>();
		try (var query = connection.prepareStatement(
				"SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, ?)")) {
			query.setString(1, this.tables.namePrefix());
			try (var rows = query.executeQuery()) {
				while (rows.next()) {
					names.add(rows.getString(1));
				}
			}
		}
		try (Statement statement = connection.createStatement()) {
			for (String name : names) {
				// Names read back from the catalogue under this run's own prefix, quoted as identifiers.
				statement.execute("DROP TABLE IF EXISTS \"" + name.replace("\"", "\"\"") + "\" CASCADE");
			}
		}
	}

	/** The same starting state for every measurement: an empty table and nothing dirty to flush. */
	private void reset() throws SQLException {
		try (Connection connection = this.plain.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("TRUNCATE " + this.tables.usageEvent() + " RESTART IDENTITY");
			try {
				statement.execute("CHECKPOINT");
			}
			catch (SQLException ex) {
				// Needs superuser (or pg_checkpoint); without it measurements are only noisier.
			}
		}
	}

	private long count() {
		Long rows = this.jdbc.queryForObject("SELECT COUNT(*) FROM " + this.tables.usageEvent(), Long.class);
		return (rows != null) ? rows : 0;
	}

	private DataSource dataSourceFor(PostgresStrategy strategy) {
		return strategy.needsRewriteBatchedInserts() ? this.rewriting : this.plain;
	}

	private static HikariDataSource dataSource(String url, String name) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setMaximumPoolSize(2);
		config.setPoolName("benchmark-" + name);
		config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
		return new HikariDataSource(config);
	}

	private int intOption(String name, int defaultValue) {
		String value = this.options.get(name);
		return (value != null) ? Integer.parseInt(value.replace("_", "")) : defaultValue;
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void check(boolean condition, String message) {
		if (!condition) {
			throw new IllegalStateException("Benchmark result not valid: " + message);
		}
	}

}
