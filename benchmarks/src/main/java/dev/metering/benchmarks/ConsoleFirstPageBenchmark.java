package dev.metering.benchmarks;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import dev.metering.billing.BillingPeriod;
import dev.metering.ledger.MeteringTables;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupResult;
import dev.metering.rollup.RollupSettings;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The usage console's first page of a tenant ({@code GET /metering/console/tenants/{tenant}}:
 * the month's chart per day, quota gauges, top users, the bill preview) for one tenant with
 * {@code events} events in the current month, in one application (embedded Tomcat, the kit's
 * PostgreSQL tables under the prefix {@code bench_console_}). The ledger is filled server-side
 * ({@code generate_series}) from the month's start to now and folded by {@link RollupJob}; the
 * page reads rollups only. Prints the first request after start (cold) and the median, min and
 * max of {@code rounds} more, and checks the chart's total against the ledger's {@code SUM}.
 * Arguments ({@code name=value}, all optional): {@code events} (10,000,000), {@code users}
 * (5,000), {@code rounds} (10), {@code url} (the local server).
 */
public final class ConsoleFirstPageBenchmark {

	private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	private static final String KEY = "bench-console-key-0123456789";

	private static final String PREFIX = "bench_console_";

	private static final String TENANT = "bench-acme";

	private static final Pattern TOTAL = Pattern.compile("<figcaption>Total ([0-9.]+)");

	private ConsoleFirstPageBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		long events = Long.parseLong(options.getOrDefault("events", "10000000"));
		int users = Integer.parseInt(options.getOrDefault("users", "5000"));
		int rounds = Integer.parseInt(options.getOrDefault("rounds", "10"));
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(
				ApiIngestBenchmark.BenchmarkApplication.class)
			.web(WebApplicationType.SERVLET)
			.run("--server.port=0", "--spring.datasource.url=" + options.getOrDefault("url", DEFAULT_URL),
					"--metering.jdbc.table-prefix=" + PREFIX, "--metering.jdbc.initialize-schema=always",
					"--metering.rollup.enabled=false", "--metering.console.enabled=true",
					"--metering.admin.web.api-key=" + KEY, "--metering.default-plan=pro",
					"--metering.plans.pro.quotas[0].meter=api.calls", "--metering.plans.pro.quotas[0].limit=100000000",
					"--metering.plans.pro.quotas[0].window=month", "--metering.plans.pro.quotas[0].enforcement=soft",
					"--metering.plans.pro.quotas[1].meter=api.calls", "--metering.plans.pro.quotas[1].limit=5000000",
					"--metering.plans.pro.quotas[1].window=day", "--metering.billing.plans.pro.currency=EUR",
					"--metering.billing.plans.pro.prices[0].meter=api.calls",
					"--metering.billing.plans.pro.prices[0].unit-price=0.0001", "--logging.level.root=WARN")) {
			int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
			DataSource dataSource = context.getBean(DataSource.class);
			MeteringTables tables = context.getBean(MeteringTables.class);
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			BillingPeriod month = BillingPeriod.monthOf(Instant.now());
			fill(dataSource, jdbc, tables, month, events, users);
			BigDecimal ledgerSum = jdbc.queryForObject("SELECT SUM(quantity) FROM " + tables.usageEvent()
					+ " WHERE tenant_id = ?", BigDecimal.class, TENANT);

			HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			HttpRequest page = HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + port + "/metering/console/tenants/" + TENANT))
				.header("X-Metering-Admin-Key", KEY)
				.build();
			long start = System.nanoTime();
			HttpResponse<String> first = http.send(page, HttpResponse.BodyHandlers.ofString());
			double cold = (System.nanoTime() - start) / 1e6;
			if (first.statusCode() != 200) {
				throw new IllegalStateException("the console answered " + first.statusCode() + ": " + first.body());
			}
			Matcher total = TOTAL.matcher(first.body());
			if (!total.find() || new BigDecimal(total.group(1)).compareTo(ledgerSum) != 0) {
				throw new IllegalStateException("the page's total is not the ledger's SUM " + ledgerSum);
			}
			List<Double> millis = new ArrayList<>();
			for (int i = 0; i < rounds; i++) {
				start = System.nanoTime();
				HttpResponse<String> answer = http.send(page, HttpResponse.BodyHandlers.ofString());
				millis.add((System.nanoTime() - start) / 1e6);
				if (answer.statusCode() != 200) {
					throw new IllegalStateException("the console answered " + answer.statusCode());
				}
			}
			Collections.sort(millis);
			System.out.printf("%nLedger: %,d events of one tenant this month (%s to now), %,d users; page total = "
					+ "ledger SUM (%s): yes; page %,d bytes%n", events, month.from(), users, ledgerSum.toPlainString(),
					first.body().length());
			System.out.println("| Console first page | ms |");
			System.out.println("|---|---:|");
			System.out.printf("| first request after start (cold) | %.1f |%n", cold);
			System.out.printf("| median of %d | %.1f |%n", rounds, millis.get(millis.size() / 2));
			System.out.printf("| min | %.1f |%n| max | %.1f |%n", millis.get(0), millis.get(millis.size() - 1));
			empty(jdbc, tables);
		}
	}

	/** The month from its start to now, evenly, server-side; then folded to rollups. */
	private static void fill(DataSource dataSource, JdbcTemplate jdbc, MeteringTables tables, BillingPeriod month,
			long events, int users) {
		empty(jdbc, tables);
		Instant now = Instant.now();
		double secondsPerEvent = Math.max(1, Duration.between(month.from(), now).getSeconds() - 60) / (double) events;
		long start = System.nanoTime();
		long chunk = 1_000_000;
		for (long from = 1; from <= events; from += chunk) {
			long to = Math.min(events, from + chunk - 1);
			jdbc.update("INSERT INTO " + tables.usageEvent() + " (event_id, tenant_id, billing_scope_id, meter, quantity,"
					+ " occurred_at, recorded_at, user_id, source) SELECT gen_random_uuid(), ?, ?, 'api.calls',"
					+ " 1 + (i % 5), ?::timestamptz + make_interval(secs => i * ?), now(),"
					+ " 'user-' || ((i * i) % ?), 'api' FROM generate_series(?::bigint, ?::bigint) i", TENANT, TENANT,
					month.from().toString(), secondsPerEvent, users, from, to);
			System.out.printf("  inserted %,d rows (%.0f s)%n", to, (System.nanoTime() - start) / 1e9);
		}
		RollupJob rollup = new RollupJob(dataSource, () -> LedgerDatabase.forPlatform("postgresql"), tables,
				new RollupSettings(500_000, Duration.ofMinutes(10)), Clock.systemUTC());
		start = System.nanoTime();
		RollupResult result;
		do {
			result = rollup.rollupNow();
		}
		while (result.eventsFolded() > 0);
		System.out.printf("  folded in %.1f s%n", (System.nanoTime() - start) / 1e9);
		jdbc.execute("VACUUM ANALYZE " + tables.usageRollup());
		jdbc.execute("VACUUM ANALYZE " + tables.usageUserRollup());
		jdbc.execute("VACUUM ANALYZE " + tables.usageEvent());
	}

	private static void empty(JdbcTemplate jdbc, MeteringTables tables) {
		jdbc.execute("TRUNCATE " + tables.usageEvent() + ", " + tables.usageRollup() + ", " + tables.usageUserRollup()
				+ ", " + tables.rollupGap());
		jdbc.update("DELETE FROM " + tables.rollupState());
	}

}
