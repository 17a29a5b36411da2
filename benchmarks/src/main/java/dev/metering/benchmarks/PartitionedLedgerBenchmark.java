package dev.metering.benchmarks;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.LedgerPartitions;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.rollup.LedgerUsageReader;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The monthly partitioned ledger against one table of the same rows (PostgreSQL): size on disk
 * per million events (the ledger with its indexes, and for the partitioned one its partitions and
 * the key table of event ids and idempotency keys), the time to fill each (server-side, through
 * the ledger's INSERT, so the partitioned one pays its claim trigger), and a month's usage of one
 * tenant read from the raw ledger by the kit's {@link LedgerUsageReader}, checked equal on both.
 * <p>
 * Each ledger gets {@code events} rows spread evenly over the 24 months before December 2026,
 * {@code tenants} tenants; then both are vacuumed and analysed, and each read runs one warm-up
 * and {@code rounds} times (median printed). Arguments ({@code name=value}, all optional):
 * {@code events} (24,000,000), {@code tenants} (100), {@code rounds} (9), {@code url} (the local
 * server), {@code keep} (false: drop the tables at the end).
 */
public final class PartitionedLedgerBenchmark {

	private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	private static final String FLAT = "bench_flat_";

	private static final String MONTHLY = "bench_monthly_";

	private static final YearMonth FIRST = YearMonth.of(2024, 12);

	private static final int MONTHS = 24;

	private static final YearMonth READ_MONTH = YearMonth.of(2026, 5);

	private PartitionedLedgerBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		long events = Long.parseLong(options.getOrDefault("events", "24000000"));
		int tenants = Integer.parseInt(options.getOrDefault("tenants", "100"));
		int rounds = Integer.parseInt(options.getOrDefault("rounds", "9"));
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(options.getOrDefault("url", DEFAULT_URL));
		config.setMaximumPoolSize(4);
		try (HikariDataSource dataSource = new HikariDataSource(config)) {
			BillingReportBenchmark.drop(dataSource, FLAT);
			BillingReportBenchmark.drop(dataSource, MONTHLY);
			try {
				BigDecimal flat = run(dataSource, FLAT, "schema-postgresql.sql", events, tenants, rounds);
				BigDecimal monthly = run(dataSource, MONTHLY, "schema-postgresql-partitioned.sql", events, tenants,
						rounds);
				if (flat.compareTo(monthly) != 0) {
					throw new IllegalStateException("the month's usage differs: " + flat + " vs " + monthly);
				}
			}
			finally {
				if (!Boolean.parseBoolean(options.getOrDefault("keep", "false"))) {
					BillingReportBenchmark.drop(dataSource, FLAT);
					BillingReportBenchmark.drop(dataSource, MONTHLY);
				}
			}
		}
	}

	private static BigDecimal run(HikariDataSource dataSource, String prefix, String script, long events,
			int tenants, int rounds) {
		MeteringTables tables = new MeteringTables(prefix);
		boolean partitioned = script.contains("partitioned");
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setSchemaLocations(partitioned ? MeteringSchemaInitializer.partitionedSchemaLocations()
			.stream()
			.map((location) -> location.replace("@@platform@@", "postgresql"))
			.toList() : List.of("classpath:dev/metering/ledger/" + script));
		settings.setMode(DatabaseInitializationMode.ALWAYS);
		new MeteringSchemaInitializer(dataSource, settings, tables, partitioned).initializeDatabase();
		if (partitioned) {
			LedgerPartitions partitions = new LedgerPartitions(dataSource, tables, Clock.systemUTC(), 0, 0, null,
					Duration.ofDays(35));
			for (int i = 0; i < MONTHS; i++) {
				partitions.ensureMonth(FIRST.plusMonths(i));
			}
		}
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		double span = FIRST.plusMonths(MONTHS).atDay(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC)
				- FIRST.atDay(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
		long start = System.nanoTime();
		jdbc.update("INSERT INTO " + tables.usageEvent() + " (event_id, tenant_id, billing_scope_id, meter, quantity,"
				+ " occurred_at, recorded_at, source) SELECT gen_random_uuid(), 'bench-' || (i % ?), 'bench-' || (i % ?),"
				+ " 'api.calls', 1 + i % 7, timestamptz '" + FIRST.atDay(1) + " 00:00:00+00'"
				+ " + make_interval(secs => i * ?), now(), 'api' FROM generate_series(0::bigint, ?::bigint) i", tenants,
				tenants, span / events, events - 1);
		double fill = BillingReportBenchmark.seconds(start);
		jdbc.execute("VACUUM ANALYZE " + tables.usageEvent());
		if (partitioned) {
			jdbc.execute("VACUUM ANALYZE " + tables.usageEvent() + "_key");
		}
		long bytes = jdbc.queryForObject("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
				+ "WHERE c.relkind IN ('r', 'p') AND (c.relname = ? OR c.relname LIKE ? OR c.relname = ?)", Long.class,
				tables.usageEvent(), tables.usageEvent() + "\\_p%", tables.usageEvent() + "_key");
		LedgerUsageReader reader = new LedgerUsageReader(dataSource, () -> LedgerDatabase.POSTGRESQL, tables);
		Instant from = READ_MONTH.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
		Instant to = READ_MONTH.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
		BigDecimal usage = reader.tenantUsage("bench-1", "api.calls", from, to);
		List<Double> times = new ArrayList<>();
		for (int i = 0; i < rounds; i++) {
			long read = System.nanoTime();
			reader.tenantUsage("bench-1", "api.calls", from, to);
			times.add(BillingReportBenchmark.seconds(read) * 1000);
		}
		System.out.printf("%-9s %,d events: fill %.1f s, %,.1f MB on disk (%,.1f MB per million events), "
				+ "a month's usage of one tenant %.2f ms (median of %d, min %.2f, max %.2f; %s)%n",
				partitioned ? "monthly" : "one table", events, fill, bytes / 1e6, bytes / 1e6 / (events / 1e6),
				BillingReportBenchmark.median(times), rounds, java.util.Collections.min(times),
				java.util.Collections.max(times), usage.toPlainString());
		return usage;
	}

}
