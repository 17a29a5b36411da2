package dev.metering.benchmarks;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.metering.billing.BillingPeriod;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.rollup.MeterUsage;
import dev.metering.rollup.MeterUsageReader;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupResult;
import dev.metering.rollup.RollupSettings;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The usage API's reads of defined meters on one tenant's month (PostgreSQL): the month's unique
 * count of a seats meter (from the monthly distinct values) and a tokens meter's month by model
 * (group rollups plus unfolded rows), each next to the same answer computed over the ledger, and
 * checked equal to it.
 * <p>
 * The ledger is filled server-side ({@code generate_series}) with {@code events} rows of each
 * meter, folded by the kit's {@link RollupJob} with the meters' definitions, then vacuumed and
 * analysed; each read runs {@code rounds} times and the median is printed. Arguments
 * ({@code name=value}, all optional): {@code events} (10,000,000 per meter), {@code users}
 * (100,000 distinct seats), {@code models} (100), {@code rounds} (5), {@code url} (the local
 * server), {@code keep} (false: drop the tables at the end).
 */
public final class MeterQueryBenchmark {

	private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	private static final String PREFIX = "bench_meterq_";

	private static final String TENANT = "bench-acme";

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	private static final MeterDefinition SEATS = MeterDefinition.builder("seats", Aggregation.UNIQUE_COUNT)
		.value("/user")
		.build();

	private static final MeterDefinition TOKENS = MeterDefinition.builder("llm.tokens", Aggregation.SUM)
		.value("/tokens")
		.groupBy("model", "/model")
		.build();

	private MeterQueryBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		long events = Long.parseLong(options.getOrDefault("events", "10000000"));
		int users = Integer.parseInt(options.getOrDefault("users", "100000"));
		int models = Integer.parseInt(options.getOrDefault("models", "100"));
		int rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(options.getOrDefault("url", DEFAULT_URL));
		config.setMaximumPoolSize(4);
		try (HikariDataSource dataSource = new HikariDataSource(config)) {
			MeteringTables tables = new MeteringTables(PREFIX);
			BillingReportBenchmark.drop(dataSource, PREFIX);
			DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
			settings.setSchemaLocations(List.of("classpath:dev/metering/ledger/schema-postgresql.sql"));
			settings.setMode(DatabaseInitializationMode.ALWAYS);
			new MeteringSchemaInitializer(dataSource, settings, tables).initializeDatabase();
			try {
				run(dataSource, new JdbcTemplate(dataSource), tables, events, users, models, rounds);
			}
			finally {
				if (!Boolean.parseBoolean(options.getOrDefault("keep", "false"))) {
					BillingReportBenchmark.drop(dataSource, PREFIX);
				}
			}
		}
	}

	private static void run(HikariDataSource dataSource, JdbcTemplate jdbc, MeteringTables tables, long events,
			int users, int models, int rounds) {
		System.out.printf("events=%,d per meter, users=%,d models=%d rounds=%d cpus=%d%n", events, users, models,
				rounds, Runtime.getRuntime().availableProcessors());
		long start = System.nanoTime();
		long chunk = 1_000_000;
		double secondsPerEvent = Duration.between(NOVEMBER.from(), NOVEMBER.to()).getSeconds() / (double) events;
		for (long from = 1; from <= events; from += chunk) {
			long to = Math.min(events, from + chunk - 1);
			// The ledger rows the kit writes for these meters: the counted user, the model's group value.
			insert(jdbc, tables, "seats", "1", "jsonb_build_object('__unique__', 'user-' || ((i * 7919) % ?))",
					secondsPerEvent, users, from, to);
			insert(jdbc, tables, "llm.tokens", "1 + (i % 4000)", "jsonb_build_object('model', 'model-' || (i % ?))",
					secondsPerEvent, models, from, to);
			System.out.printf("  inserted %,d rows of each meter (%.0f s)%n", to, BillingReportBenchmark.seconds(start));
		}
		Supplier<LedgerDatabase> dialect = () -> LedgerDatabase.forPlatform("postgresql");
		RollupJob rollup = new RollupJob(dataSource, dialect, tables, new RollupSettings(500_000, Duration.ofMinutes(10)),
				Clock.systemUTC(), () -> MeterDefinitions.of(List.of(SEATS, TOKENS)));
		start = System.nanoTime();
		long folded = 0;
		for (RollupResult result = rollup.rollupNow(); result.eventsFolded() > 0; result = rollup.rollupNow()) {
			folded += result.eventsFolded();
		}
		System.out.printf("  folded %,d events in %.1f s%n", folded, BillingReportBenchmark.seconds(start));
		for (String table : List.of(tables.usageEvent(), tables.meterRollup(), tables.meterDistinct())) {
			jdbc.execute("VACUUM ANALYZE " + table);
		}
		LedgerDatabase sql = dialect.get();
		Object monthStart = sql.timestamp(NOVEMBER.from());
		Object monthEnd = sql.timestamp(NOVEMBER.to());
		MeterUsageReader reader = new MeterUsageReader(dataSource, dialect, tables);

		Long[] ledgerSeats = new Long[1];
		List<Double> ledgerSeatTimes = BillingReportBenchmark.time(rounds, () -> ledgerSeats[0] = jdbc.queryForObject(
				"SELECT COUNT(DISTINCT dimensions->>'__unique__') FROM " + tables.usageEvent()
						+ " WHERE tenant_id = ? AND meter = 'seats' AND occurred_at >= ? AND occurred_at < ?",
				Long.class, TENANT, monthStart, monthEnd));
		MeterUsage[] seats = new MeterUsage[1];
		List<Double> seatTimes = BillingReportBenchmark.time(rounds, () -> seats[0] = reader.tenantUsage(SEATS, TENANT,
				MeterUsageReader.Query.total(NOVEMBER.from(), NOVEMBER.to(), Map.of())));
		if (seats[0].total() == null || seats[0].total().longValue() != ledgerSeats[0]) {
			throw new IllegalStateException("seats " + seats[0].total() + " != ledger " + ledgerSeats[0]);
		}

		Map<String, BigDecimal> ledgerModels = new HashMap<>();
		List<Double> ledgerModelTimes = BillingReportBenchmark.time(rounds, () -> jdbc.query(
				"SELECT dimensions->>'model', SUM(quantity) FROM " + tables.usageEvent() + " WHERE tenant_id = ? "
						+ "AND meter = 'llm.tokens' AND occurred_at >= ? AND occurred_at < ? GROUP BY 1",
				(rs) -> {
					ledgerModels.put(rs.getString(1), rs.getBigDecimal(2));
				}, TENANT, monthStart, monthEnd));
		MeterUsage[] byModel = new MeterUsage[1];
		List<Double> modelTimes = BillingReportBenchmark.time(rounds, () -> byModel[0] = reader.tenantUsage(TOKENS,
				TENANT, new MeterUsageReader.Query(NOVEMBER.from(), NOVEMBER.to(),
						new java.util.TreeSet<>(List.of(NOVEMBER.from())), List.of("model"), Map.of())));
		byModel[0].groups().forEach((group, series) -> {
			if (series.total().compareTo(ledgerModels.get(group.get("model"))) != 0) {
				throw new IllegalStateException(group + " " + series.total() + " != ledger "
						+ ledgerModels.get(group.get("model")));
			}
		});
		if (byModel[0].groups().size() != ledgerModels.size()) {
			throw new IllegalStateException(byModel[0].groups().size() + " models != ledger " + ledgerModels.size());
		}

		System.out.printf("%nSeats of the month: %,d (equals the ledger's COUNT(DISTINCT): yes); models: %d (each equals "
				+ "the ledger's sum: yes)%n%n", ledgerSeats[0], ledgerModels.size());
		System.out.println("| Read | Median ms | Min | Max | Ratio to the ledger's answer |");
		System.out.println("|---|---:|---:|---:|---:|");
		double seatBase = BillingReportBenchmark.median(ledgerSeatTimes);
		BillingReportBenchmark.row("unique count of the month, COUNT(DISTINCT) over the ledger (baseline)",
				ledgerSeatTimes, seatBase);
		BillingReportBenchmark.row("unique count of the month, MeterUsageReader (distinct table)", seatTimes, seatBase);
		double modelBase = BillingReportBenchmark.median(ledgerModelTimes);
		BillingReportBenchmark.row("month by model, GROUP BY over the ledger (baseline)", ledgerModelTimes, modelBase);
		BillingReportBenchmark.row("month by model, MeterUsageReader (group rollups + unfolded)", modelTimes,
				modelBase);
	}

	private static void insert(JdbcTemplate jdbc, MeteringTables tables, String meter, String quantity,
			String dimensions, double secondsPerEvent, int modulo, long from, long to) {
		jdbc.update("INSERT INTO " + tables.usageEvent() + " (event_id, tenant_id, billing_scope_id, meter, quantity,"
				+ " occurred_at, recorded_at, source, dimensions) SELECT gen_random_uuid(), ?, ?, ?, " + quantity
				+ ", timestamptz '2026-11-01 00:00:00+00' + make_interval(secs => i * ?), now(), 'api', " + dimensions
				+ " FROM generate_series(?::bigint, ?::bigint) i", TENANT, TENANT, meter, secondsPerEvent, modulo, from,
				to);
	}

}
