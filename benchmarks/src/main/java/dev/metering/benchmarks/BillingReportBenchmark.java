package dev.metering.benchmarks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.Granularity;
import dev.metering.billing.MeterPrice;
import dev.metering.billing.PlanPricing;
import dev.metering.billing.PriceTier;
import dev.metering.billing.PricingModel;
import dev.metering.billing.TenantPlans;
import dev.metering.billing.TopUser;
import dev.metering.billing.UsageSummaryService;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupResult;
import dev.metering.rollup.RollupSettings;
import dev.metering.rollup.RollupUsageReader;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.util.StreamUtils;

/**
 * Billing report, usage summary and top users for one tenant with many events in a month
 * (PostgreSQL), next to the baseline of summing the same month straight from the ledger.
 * <p>
 * The ledger is filled server-side ({@code generate_series}), folded by the kit's
 * {@link RollupJob}, then vacuumed and analysed; each read runs {@code rounds} times and the
 * median is printed. Arguments ({@code name=value}, all optional): {@code events} (10,000,000),
 * {@code rounds} (5), {@code users} (5,000), {@code url} (the local server), {@code keep}
 * (false: drop the tables at the end).
 */
public final class BillingReportBenchmark {

	private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	private static final String PREFIX = "bench_billing_";

	private static final String APPLICATION_NAME = "metering-billing-bench";

	private static final String TENANT = "bench-acme";

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	private BillingReportBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		long events = Long.parseLong(options.getOrDefault("events", "10000000"));
		int rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
		int users = Integer.parseInt(options.getOrDefault("users", "5000"));
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(options.getOrDefault("url", DEFAULT_URL));
		config.setMaximumPoolSize(4);
		config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
		try (HikariDataSource dataSource = new HikariDataSource(config)) {
			MeteringTables tables = new MeteringTables(PREFIX);
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			drop(dataSource);
			DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
			settings.setSchemaLocations(List.of("classpath:dev/metering/ledger/schema-postgresql.sql"));
			settings.setMode(DatabaseInitializationMode.ALWAYS);
			new MeteringSchemaInitializer(dataSource, settings, tables).initializeDatabase();
			try {
				run(dataSource, jdbc, tables, events, rounds, users);
			}
			finally {
				if (!Boolean.parseBoolean(options.getOrDefault("keep", "false"))) {
					drop(dataSource);
				}
			}
		}
	}

	private static void run(HikariDataSource dataSource, JdbcTemplate jdbc, MeteringTables tables, long events,
			int rounds, int users) {
		System.out.printf("events=%,d rounds=%d users=%,d cpus=%d%n", events, rounds, users,
				Runtime.getRuntime().availableProcessors());
		long start = System.nanoTime();
		long chunk = 1_000_000;
		double secondsPerEvent = Duration.between(NOVEMBER.from(), NOVEMBER.to()).getSeconds() / (double) events;
		for (long from = 1; from <= events; from += chunk) {
			long to = Math.min(events, from + chunk - 1);
			// Events spread evenly over the month; users skewed (a few heavy, many light).
			jdbc.update("INSERT INTO " + tables.usageEvent() + " (event_id, tenant_id, billing_scope_id, meter, quantity,"
					+ " occurred_at, recorded_at, user_id, source) SELECT gen_random_uuid(), ?, ?, 'api.calls',"
					+ " 1 + (i % 5), timestamptz '2026-11-01 00:00:00+00' + make_interval(secs => i * ?), now(),"
					+ " 'user-' || ((i * i) % ?), 'api' FROM generate_series(?::bigint, ?::bigint) i", TENANT, TENANT,
					secondsPerEvent, users, from, to);
			System.out.printf("  inserted %,d rows (%.0f s)%n", to, seconds(start));
		}
		double insertSeconds = seconds(start);
		Supplier<LedgerDatabase> dialect = () -> LedgerDatabase.forPlatform("postgresql");
		RollupJob rollup = new RollupJob(dataSource, dialect, tables, new RollupSettings(500_000, Duration.ofMinutes(10)),
				Clock.systemUTC());
		start = System.nanoTime();
		long folded = 0;
		while (true) {
			RollupResult result = rollup.rollupNow();
			if (result.eventsFolded() == 0) {
				break;
			}
			folded += result.eventsFolded();
		}
		double foldSeconds = seconds(start);
		System.out.printf("  folded %,d events in %.1f s%n", folded, foldSeconds);
		jdbc.execute("VACUUM ANALYZE " + tables.usageEvent());
		jdbc.execute("VACUUM ANALYZE " + tables.usageRollup());
		jdbc.execute("VACUUM ANALYZE " + tables.usageUserRollup());
		jdbc.execute("VACUUM ANALYZE " + tables.usageUserDay());

		PlanPricing pro = new PlanPricing("pro", Currency.getInstance("EUR"), new BigDecimal("49.00"),
				List.of(new MeterPrice("api.calls", new BigDecimal("100000"), PricingModel.GRADUATED, null, null,
						List.of(PriceTier.of("1000000", "0.0005"), PriceTier.of(null, "0.0002")))));
		TenantPlans plans = new TenantPlans() {

			@Override
			public Optional<String> planOf(String tenant) {
				return Optional.of("pro");
			}

			@Override
			public boolean isKnown(String tenant) {
				return true;
			}

		};
		BillingReportService reports = new BillingReportService(plans, (plan) -> Optional.of(pro),
				new RollupUsageReader(dataSource, dialect, tables), dataSource, dialect, tables, RoundingMode.HALF_UP,
				Duration.ofDays(35), Clock.systemUTC());
		UsageSummaryService summaries = new UsageSummaryService(dataSource, dialect, tables);
		LedgerDatabase sql = dialect.get();

		BigDecimal[] ledgerSum = new BigDecimal[1];
		List<Double> baseline = time(rounds, () -> ledgerSum[0] = jdbc.queryForObject("SELECT SUM(quantity) FROM "
				+ tables.usageEvent() + " WHERE tenant_id = ? AND meter = ? AND occurred_at >= ? AND occurred_at < ?",
				BigDecimal.class, TENANT, "api.calls", sql.timestamp(NOVEMBER.from()), sql.timestamp(NOVEMBER.to())));
		BillingReport[] report = new BillingReport[1];
		List<Double> reportTimes = time(rounds, () -> report[0] = reports.report(TENANT, NOVEMBER));
		List<Double> summaryTimes = time(rounds, () -> summaries.summary(TENANT, "api.calls", NOVEMBER, Granularity.DAY));
		List<TopUser>[] top = new List[1];
		// Today's top users (daily per-user rollups for whole days) against the hourly per-user
		// rollups (the statement before them), in alternating reads after one warm-up of each.
		List<TopUser>[] hourlyTop = new List[1];
		top[0] = summaries.topUsers(TENANT, "api.calls", NOVEMBER, 10);
		hourlyTop[0] = summaries.topUsersFromHours(TENANT, "api.calls", NOVEMBER, 10);
		List<Double> topTimes = new ArrayList<>();
		List<Double> hourlyTopTimes = new ArrayList<>();
		CpuMeter cpu = new CpuMeter(jdbc, APPLICATION_NAME);
		double[] topCpu = new double[2];
		double[] hourlyTopCpu = new double[2];
		for (int i = 0; i < rounds; i++) {
			CpuMeter.Reading before = cpu.read();
			long read = System.nanoTime();
			hourlyTop[0] = summaries.topUsersFromHours(TENANT, "api.calls", NOVEMBER, 10);
			hourlyTopTimes.add((System.nanoTime() - read) / 1e6);
			add(hourlyTopCpu, cpu.read().since(before, 1));
			before = cpu.read();
			read = System.nanoTime();
			top[0] = summaries.topUsers(TENANT, "api.calls", NOVEMBER, 10);
			topTimes.add((System.nanoTime() - read) / 1e6);
			add(topCpu, cpu.read().since(before, 1));
		}
		if (!hourlyTop[0].equals(top[0])) {
			throw new IllegalStateException("top users " + top[0] + " != hourly " + hourlyTop[0]);
		}
		// What top users was before the per-user rollups: a GROUP BY over the month's ledger rows.
		String ledgerTopUsers = "SELECT e.user_id, SUM(e.quantity), COUNT(*) FROM " + tables.usageEvent()
				+ " e WHERE e.tenant_id = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ?"
				+ " AND e.user_id IS NOT NULL GROUP BY e.user_id ORDER BY SUM(e.quantity) DESC, e.user_id LIMIT 10";
		List<String>[] ledgerTop = new List[1];
		List<Double> ledgerTopTimes = time(rounds, () -> ledgerTop[0] = jdbc.query(ledgerTopUsers,
				(rs, n) -> rs.getString(1) + "=" + rs.getBigDecimal(2).stripTrailingZeros().toPlainString() + "/"
						+ rs.getLong(3),
				TENANT, "api.calls", sql.timestamp(NOVEMBER.from()), sql.timestamp(NOVEMBER.to())));
		List<String> rolledTop = top[0].stream()
			.map((u) -> u.userId() + "=" + u.quantity().stripTrailingZeros().toPlainString() + "/" + u.events())
			.toList();
		if (!rolledTop.equals(ledgerTop[0])) {
			throw new IllegalStateException("top users " + rolledTop + " != ledger " + ledgerTop[0]);
		}

		if (report[0].lines().get(0).charge().quantity().compareTo(ledgerSum[0]) != 0) {
			throw new IllegalStateException("report quantity " + report[0].lines().get(0).charge().quantity()
					+ " != ledger " + ledgerSum[0]);
		}
		System.out.printf("%nLedger: %,d events of one tenant in November 2026; inserted in %.0f s, folded in %.1f s%n",
				events, insertSeconds, foldSeconds);
		System.out.printf("Report: quantity %s, subtotal %s %s (equals the ledger sum: yes)%n",
				report[0].lines().get(0).charge().quantity().toPlainString(), report[0].subtotal(),
				report[0].currency());
		System.out.printf("Top user: %s with %s%n%n", top[0].get(0).userId(), top[0].get(0).quantity().toPlainString());
		System.out.println("| Read | Median ms | Min | Max | Ratio to ledger SUM |");
		System.out.println("|---|---:|---:|---:|---:|");
		double base = median(baseline);
		row("SUM of the month from the ledger (baseline)", baseline, base);
		row("billing report (rollups + unfolded rows)", reportTimes, base);
		row("usage summary per day", summaryTimes, base);
		row("top 10 users (daily + hourly per-user rollups + unfolded rows)", topTimes, base);
		row("top 10 users (hourly per-user rollups + unfolded rows: before)", hourlyTopTimes, base);
		row("top 10 users by GROUP BY over the ledger (before)", ledgerTopTimes, base);
		System.out.printf("%nCPU per top-users read (mean of %d): daily %.1f ms JVM, %.1f ms PostgreSQL; hourly (before) "
				+ "%.1f ms JVM, %.1f ms PostgreSQL%n", rounds, topCpu[0] / rounds / 1000, topCpu[1] / rounds / 1000,
				hourlyTopCpu[0] / rounds / 1000, hourlyTopCpu[1] / rounds / 1000);
		System.out.printf("%nTop users equal the ledger's GROUP BY: yes; per-user rollup rows: %,d hourly, %,d daily%n",
				jdbc.queryForObject("SELECT COUNT(*) FROM " + tables.usageUserRollup(), Long.class),
				jdbc.queryForObject("SELECT COUNT(*) FROM " + tables.usageUserDay(), Long.class));
	}

	/** Adds a read's JVM and backend CPU (µs) to the totals. */
	private static void add(double[] totals, CpuMeter.Cost cost) {
		totals[0] += cost.jvmMicrosPerRow();
		totals[1] += cost.backendMicrosPerRow();
	}

	static List<Double> time(int rounds, Runnable read) {
		List<Double> millis = new ArrayList<>();
		read.run(); // warm-up: JIT, connection, caches
		for (int i = 0; i < rounds; i++) {
			long start = System.nanoTime();
			read.run();
			millis.add((System.nanoTime() - start) / 1e6);
		}
		return millis;
	}

	static void row(String name, List<Double> millis, double base) {
		System.out.printf("| %s | %.1f | %.1f | %.1f | %.2f |%n", name, median(millis), Collections.min(millis),
				Collections.max(millis), median(millis) / base);
	}

	static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	static double seconds(long start) {
		return (System.nanoTime() - start) / 1e9;
	}

	private static void drop(HikariDataSource dataSource) throws Exception {
		drop(dataSource, PREFIX);
	}

	/** Drops the kit's tables of a prefix (PostgreSQL). */
	static void drop(HikariDataSource dataSource, String prefix) throws Exception {
		String drop = StreamUtils
			.copyToString(new ClassPathResource("dev/metering/ledger/schema-drop-postgresql.sql").getInputStream(),
					StandardCharsets.UTF_8)
			.replace(MeteringTables.DEFAULT_PREFIX, prefix);
		new ResourceDatabasePopulator(new ByteArrayResource(drop.getBytes(StandardCharsets.UTF_8))).execute(dataSource);
	}

}
