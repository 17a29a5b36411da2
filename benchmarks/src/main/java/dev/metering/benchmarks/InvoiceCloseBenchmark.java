package dev.metering.benchmarks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
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
import dev.metering.billing.BillingPeriods;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.Invoice;
import dev.metering.billing.InvoiceCloser;
import dev.metering.billing.MeterPrice;
import dev.metering.billing.PlanPricing;
import dev.metering.billing.PriceTier;
import dev.metering.billing.PricingModel;
import dev.metering.billing.TenantPlans;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.MeteringTables;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.rollup.RollupUsageReader;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Closing a month into invoices for many tenants (PostgreSQL): {@link InvoiceCloser#closeDue()}
 * against its baseline, the same reports computed and thrown away ({@code BillingReportService}
 * once per billing scope), in alternating rounds; the invoices are deleted (and the sequence reset)
 * after each close, so every close round does the whole month again. Prints wall time and CPU per
 * invoice of this JVM and of the PostgreSQL backends. Arguments ({@code name=value}, all optional):
 * {@code tenants} (10,000), {@code events} (1,000,000), {@code rounds} (3), {@code url},
 * {@code keep} (false: drop the tables at the end).
 */
public final class InvoiceCloseBenchmark {

	private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	private static final String PREFIX = "bench_invoice_";

	private static final String APPLICATION_NAME = "metering-invoice-bench";

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	/** November closes 35 days after its end. */
	private static final Instant CLOSED = Instant.parse("2027-01-05T00:00:00Z");

	private InvoiceCloseBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		int tenants = Integer.parseInt(options.getOrDefault("tenants", "10000"));
		long events = Long.parseLong(options.getOrDefault("events", "1000000"));
		int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(options.getOrDefault("url", DEFAULT_URL));
		config.setMaximumPoolSize(4);
		config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
		try (HikariDataSource dataSource = new HikariDataSource(config)) {
			MeteringTables tables = new MeteringTables(PREFIX);
			BillingReportBenchmark.drop(dataSource, PREFIX);
			DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
			settings.setSchemaLocations(List.of("classpath:dev/metering/ledger/schema-postgresql.sql"));
			settings.setMode(DatabaseInitializationMode.ALWAYS);
			new MeteringSchemaInitializer(dataSource, settings, tables).initializeDatabase();
			try {
				run(dataSource, tables, tenants, events, rounds);
			}
			finally {
				if (!Boolean.parseBoolean(options.getOrDefault("keep", "false"))) {
					BillingReportBenchmark.drop(dataSource, PREFIX);
				}
			}
		}
	}

	private static void run(HikariDataSource dataSource, MeteringTables tables, int tenants, long events, int rounds) {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		System.out.printf("tenants=%,d events=%,d rounds=%d cpus=%d%n", tenants, events, rounds,
				Runtime.getRuntime().availableProcessors());
		long start = System.nanoTime();
		double secondsPerEvent = Duration.between(NOVEMBER.from(), NOVEMBER.to()).getSeconds() / (double) events;
		jdbc.update("INSERT INTO " + tables.usageEvent() + " (event_id, tenant_id, billing_scope_id, meter, quantity,"
				+ " occurred_at, recorded_at, user_id, source) SELECT gen_random_uuid(), 'tenant-' || (i % ?),"
				+ " 'tenant-' || (i % ?), CASE WHEN i % 3 = 0 THEN 'storage.gb' ELSE 'api.calls' END, 1 + (i % 5),"
				+ " timestamptz '2026-11-01 00:00:00+00' + make_interval(secs => i * ?), now(), 'user-' || (i % 50),"
				+ " 'api' FROM generate_series(1::bigint, ?::bigint) i", tenants, tenants, secondsPerEvent, events);
		System.out.printf("  inserted %,d rows (%.0f s)%n", events, BillingReportBenchmark.seconds(start));
		Supplier<LedgerDatabase> dialect = () -> LedgerDatabase.forPlatform("postgresql");
		RollupJob rollup = new RollupJob(dataSource, dialect, tables, new RollupSettings(500_000, Duration.ofMinutes(10)),
				Clock.systemUTC());
		start = System.nanoTime();
		while (rollup.rollupNow().eventsFolded() > 0) {
			// until the ledger is folded
		}
		System.out.printf("  folded in %.1f s%n", BillingReportBenchmark.seconds(start));
		jdbc.execute("VACUUM ANALYZE " + tables.usageEvent());
		jdbc.execute("VACUUM ANALYZE " + tables.usageRollup());

		PlanPricing pro = new PlanPricing("pro", Currency.getInstance("EUR"), new BigDecimal("49.00"),
				List.of(new MeterPrice("api.calls", new BigDecimal("20"), PricingModel.GRADUATED, null, null,
						List.of(PriceTier.of("50", "0.05"), PriceTier.of(null, "0.02"))),
						MeterPrice.perUnit("storage.gb", BigDecimal.ZERO, new BigDecimal("0.25"))));
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
		Clock clock = Clock.fixed(CLOSED, ZoneOffset.UTC);
		BillingReportService reports = new BillingReportService(plans, (plan) -> Optional.of(pro),
				new RollupUsageReader(dataSource, dialect, tables), dataSource, dialect, tables, RoundingMode.HALF_UP,
				Duration.ofDays(35), clock);
		InvoiceCloser closer = new InvoiceCloser(dataSource, dialect, tables, reports, BillingPeriods.utcMonths(),
				new InvoiceCloser.InvoiceSettings("INV", Duration.ofDays(35), Duration.ofDays(100), 200,
						Duration.ofMinutes(5)),
				clock, null);
		LedgerDatabase sql = dialect.get();
		List<String> scopes = jdbc.queryForList("SELECT DISTINCT billing_scope_id FROM " + tables.usageRollup()
				+ " WHERE period_start >= ? AND period_start < ? ORDER BY 1", String.class,
				sql.timestamp(NOVEMBER.from()), sql.timestamp(NOVEMBER.to()));
		CpuMeter cpu = new CpuMeter(jdbc, APPLICATION_NAME);

		// Warm-up: JIT, connections, caches.
		closer.closeDue();
		reset(jdbc, tables);
		List<double[]> baseline = new ArrayList<>();
		List<double[]> close = new ArrayList<>();
		for (int round = 1; round <= rounds; round++) {
			CpuMeter.Reading before = cpu.read();
			BigDecimal total = BigDecimal.ZERO;
			for (String scope : scopes) {
				total = total.add(reports.report(scope, NOVEMBER).subtotal());
			}
			baseline.add(measured(cpu.read(), before, scopes.size()));
			before = cpu.read();
			List<Invoice> invoices = closer.closeDue();
			close.add(measured(cpu.read(), before, invoices.size()));
			BigDecimal invoiced = invoices.stream().map(Invoice::subtotal).reduce(BigDecimal.ZERO, BigDecimal::add);
			if (invoices.size() != scopes.size() || invoiced.compareTo(total) != 0) {
				throw new IllegalStateException(invoices.size() + " invoices of " + invoiced + " for " + scopes.size()
						+ " reports of " + total);
			}
			System.out.printf("  round %d: reports %.1f s, close %.1f s (%,d invoices, %s EUR)%n", round,
					baseline.get(round - 1)[0], close.get(round - 1)[0], invoices.size(), invoiced.toPlainString());
			reset(jdbc, tables);
		}
		System.out.printf("%n| %,d scopes, %,d events | median s | min | max | JVM CPU µs/invoice | PostgreSQL CPU "
				+ "µs/invoice |%n", scopes.size(), events);
		System.out.println("|---|---:|---:|---:|---:|---:|");
		row("reports only (baseline)", baseline);
		row("closeDue: reports stored as invoices", close);
		System.out.printf("%nclose / baseline (medians): %.2f%n", median(close, 0) / median(baseline, 0));
	}

	/** Wall seconds, JVM CPU µs and backend CPU µs per invoice. */
	private static double[] measured(CpuMeter.Reading after, CpuMeter.Reading before, int invoices) {
		CpuMeter.Cost cost = after.since(before, Math.max(1, invoices));
		return new double[] { (after.nanoTime() - before.nanoTime()) / 1e9, cost.jvmMicrosPerRow(),
				cost.backendMicrosPerRow() };
	}

	private static void row(String name, List<double[]> rounds) {
		List<Double> wall = rounds.stream().map((r) -> r[0]).toList();
		System.out.printf("| %s | %.1f | %.1f | %.1f | %.0f | %.0f |%n", name, median(rounds, 0), Collections.min(wall),
				Collections.max(wall), median(rounds, 1), median(rounds, 2));
	}

	private static double median(List<double[]> rounds, int index) {
		return BillingReportBenchmark.median(rounds.stream().map((r) -> r[index]).toList());
	}

	private static void reset(JdbcTemplate jdbc, MeteringTables tables) {
		jdbc.update("DELETE FROM " + tables.invoice());
		jdbc.update("UPDATE " + tables.prefix() + "invoice_sequence SET last_number = 0");
	}

}
