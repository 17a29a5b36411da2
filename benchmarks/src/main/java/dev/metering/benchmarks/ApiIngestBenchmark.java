package dev.metering.benchmarks;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Ingestion through the usage API's {@code POST /api/events}, as the kit's JSON arrays and as
 * CloudEvents batches ({@code application/cloudevents-batch+json}) of {@code batch} events,
 * {@code threads} clients over HTTP/1.1 keep-alive, against the in-process {@link UsageRecorder}
 * ({@code threads} threads calling {@code record}), in one application (embedded Tomcat, the
 * kit's PostgreSQL ledger under the prefix {@code bench_api_}), alternating the three
 * {@code rounds} times. Every path writes the same rows: meter {@code llm.tokens}, a token count
 * as quantity, the model as its one dimension (the CloudEvents through the meter definition
 * that reads {@code /usage/total_tokens} of {@code llm.completion} events, grouped by
 * {@code /model}). Each round counts from the first event to the last one committed
 * ({@link BufferedLedgerWriter#flush}) and checks the ledger's row count; it also reports the
 * rate until the last call returned or the last response arrived (what the callers waited). Arguments
 * ({@code name=value}, all optional): {@code events} (200,000 per round), {@code batch} (100),
 * {@code threads} (4), {@code rounds} (3), {@code url} (the local server).
 */
public final class ApiIngestBenchmark {

	private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	private static final String API_KEY = "bench-api-key-0123456789";

	private ApiIngestBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		int events = Integer.parseInt(options.getOrDefault("events", "200000"));
		int batch = Integer.parseInt(options.getOrDefault("batch", "100"));
		int threads = Integer.parseInt(options.getOrDefault("threads", "4"));
		int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(BenchmarkApplication.class)
			.web(WebApplicationType.SERVLET)
			.run("--server.port=0", "--spring.datasource.url=" + options.getOrDefault("url", DEFAULT_URL),
					"--metering.jdbc.table-prefix=bench_api_", "--metering.jdbc.initialize-schema=always",
					"--metering.rollup.enabled=false", "--metering.writer.capacity=" + Math.max(100_000, events),
					"--metering.api.enabled=true", "--metering.api.api-key=" + API_KEY,
					"--metering.meters[0].name=llm.tokens", "--metering.meters[0].event-type=llm.completion",
					"--metering.meters[0].aggregation=sum", "--metering.meters[0].value=/usage/total_tokens",
					"--metering.meters[0].group-by.model=/model",
					"--metering.plans.free.quotas[0].meter=unused.meter", "--metering.plans.free.quotas[0].limit=1",
					"--metering.default-plan=free", "--metering.web.exclude=/api/**",
					"--logging.level.root=WARN")) {
			int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			jdbc.update("DELETE FROM bench_api_usage_event");
			UsageRecorder recorder = context.getBean(UsageRecorder.class);
			BufferedLedgerWriter writer = context.getBean(BufferedLedgerWriter.class);
			HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			System.out.printf("events=%,d per round, batch=%d, threads=%d, rounds=%d, cpus=%d%n", events, batch,
					threads, rounds, Runtime.getRuntime().availableProcessors());
			// Warm-up of both paths: JIT, connections, Tomcat threads.
			inProcess(recorder, writer, jdbc, 20_000, threads);
			overHttp(http, port, writer, jdbc, 20_000, batch, threads, Format.JSON);
			overHttp(http, port, writer, jdbc, 20_000, batch, threads, Format.CLOUDEVENTS);
			List<Double> recorderAccepted = new ArrayList<>();
			List<Double> recorderRates = new ArrayList<>();
			List<Double> apiAccepted = new ArrayList<>();
			List<Double> apiRates = new ArrayList<>();
			List<Double> cloudAccepted = new ArrayList<>();
			List<Double> cloudRates = new ArrayList<>();
			for (int round = 0; round < rounds; round++) {
				double[] recorded = inProcess(recorder, writer, jdbc, events, threads);
				double[] posted = overHttp(http, port, writer, jdbc, events, batch, threads, Format.JSON);
				double[] cloud = overHttp(http, port, writer, jdbc, events, batch, threads, Format.CLOUDEVENTS);
				recorderAccepted.add(recorded[0]);
				recorderRates.add(recorded[1]);
				apiAccepted.add(posted[0]);
				apiRates.add(posted[1]);
				cloudAccepted.add(cloud[0]);
				cloudRates.add(cloud[1]);
				System.out.printf("  round %d: recorder %,.0f accepted / %,.0f committed events/s, JSON %,.0f / %,.0f, "
						+ "CloudEvents %,.0f / %,.0f%n", round + 1, recorded[0], recorded[1], posted[0], posted[1],
						cloud[0], cloud[1]);
			}
			System.out.println();
			System.out.println("| Path | Measured until | Median events/s | Min | Max | Ratio to UsageRecorder | Ratio to JSON |");
			System.out.println("|---|---|---:|---:|---:|---:|---:|");
			String json = "`POST /api/events`, JSON arrays of " + batch;
			String cloudEvents = "`POST /api/events`, CloudEvents batches of " + batch;
			row("in-process `UsageRecorder.record`", "last call returned", recorderAccepted, median(recorderAccepted),
					median(apiAccepted));
			row(json, "last response", apiAccepted, median(recorderAccepted), median(apiAccepted));
			row(cloudEvents, "last response", cloudAccepted, median(recorderAccepted), median(apiAccepted));
			row("in-process `UsageRecorder.record`", "last event committed", recorderRates, median(recorderRates),
					median(apiRates));
			row(json, "last event committed", apiRates, median(recorderRates), median(apiRates));
			row(cloudEvents, "last event committed", cloudRates, median(recorderRates), median(apiRates));
			jdbc.execute("DROP TABLE IF EXISTS bench_api_usage_event");
		}
	}

	/** Events per second from the first {@code record} to the last event committed. */
	private static double[] inProcess(UsageRecorder recorder, BufferedLedgerWriter writer, JdbcTemplate jdbc,
			int events, int threads) throws Exception {
		long before = count(jdbc);
		long start = System.nanoTime();
		run(threads, (thread) -> {
			for (int i = thread; i < events; i += threads) {
				recorder.record(UsageEvent.builder("bench-acme", "llm.tokens")
					.quantity(BigDecimal.valueOf(tokens(i)))
					.userId("user-" + (i % 100))
					.dimension("model", model(i))
					.build());
			}
		});
		double accepted = events / ((System.nanoTime() - start) / 1e9);
		return new double[] { accepted, finish(writer, jdbc, before + events, start, events) };
	}

	/** Events per second from the first request to the last event committed. */
	private static double[] overHttp(HttpClient http, int port, BufferedLedgerWriter writer, JdbcTemplate jdbc,
			int events, int batch, int threads, Format format) throws Exception {
		// CloudEvents ids unique to this round: the same (source, id) again would be counted once.
		String round = Long.toString(System.nanoTime(), 36);
		long before = count(jdbc);
		URI uri = URI.create("http://127.0.0.1:" + port + "/api/events");
		int batches = events / batch;
		AtomicLong failures = new AtomicLong();
		long start = System.nanoTime();
		run(threads, (thread) -> {
			for (int b = thread; b < batches; b += threads) {
				StringBuilder body = new StringBuilder(batch * 200).append('[');
				for (int i = 0; i < batch; i++) {
					if (i > 0) {
						body.append(',');
					}
					format.append(body, round, b * batch + i);
				}
				HttpRequest request = HttpRequest.newBuilder(uri)
					.header("Content-Type", format.contentType)
					.header("X-Api-Key", API_KEY)
					.POST(HttpRequest.BodyPublishers.ofString(body.append(']').toString()))
					.build();
				HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() != format.status) {
					failures.incrementAndGet();
					throw new IllegalStateException(response.statusCode() + " " + response.body());
				}
			}
		});
		double accepted = batches * batch / ((System.nanoTime() - start) / 1e9);
		return new double[] { accepted, finish(writer, jdbc, before + (long) batches * batch, start, batches * batch) };
	}

	private static double finish(BufferedLedgerWriter writer, JdbcTemplate jdbc, long expectedRows, long start,
			int events) {
		if (!writer.flush(Duration.ofMinutes(5))) {
			throw new IllegalStateException("the writer did not drain in 5 minutes");
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		long rows = count(jdbc);
		if (rows != expectedRows) {
			throw new IllegalStateException("ledger has " + rows + " rows, expected " + expectedRows);
		}
		return events / seconds;
	}

	private static long tokens(int i) {
		return 1 + (i * 7919L) % 4000;
	}

	private static String model(int i) {
		return "model-" + (i % 3);
	}

	/** The two bodies of the same usage: the kit's JSON and CloudEvents. */
	private enum Format {

		JSON("application/json", 201) {
			@Override
			void append(StringBuilder body, String round, int i) {
				body.append("{\"tenant_id\":\"bench-acme\",\"metric\":\"llm.tokens\",\"quantity\":")
					.append(tokens(i))
					.append(",\"user_id\":\"user-")
					.append(i % 100)
					.append("\",\"metadata\":{\"model\":\"")
					.append(model(i))
					.append("\"}}");
			}
		},

		CLOUDEVENTS("application/cloudevents-batch+json", 202) {
			@Override
			void append(StringBuilder body, String round, int i) {
				body.append("{\"specversion\":\"1.0\",\"id\":\"")
					.append(round)
					.append('-')
					.append(i)
					.append("\",\"source\":\"bench\",\"type\":\"llm.completion\",\"subject\":\"bench-acme\",")
					.append("\"data\":{\"model\":\"")
					.append(model(i))
					.append("\",\"usage\":{\"total_tokens\":")
					.append(tokens(i))
					.append("}}}");
			}
		};

		final String contentType;

		final int status;

		Format(String contentType, int status) {
			this.contentType = contentType;
			this.status = status;
		}

		abstract void append(StringBuilder body, String round, int i);

	}

	private static long count(JdbcTemplate jdbc) {
		Long rows = jdbc.queryForObject("SELECT COUNT(*) FROM bench_api_usage_event", Long.class);
		return (rows != null) ? rows : 0;
	}

	private interface Work {

		void run(int thread) throws Exception;

	}

	private static void run(int threads, Work work) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int thread = t;
				futures.add(pool.submit(() -> {
					work.run(thread);
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdown();
		}
	}

	private static void row(String path, String until, List<Double> rates, double recorder, double json) {
		System.out.printf("| %s | %s | %,.0f | %,.0f | %,.0f | %.2f | %.2f |%n", path, until, median(rates),
				Collections.min(rates), Collections.max(rates), median(rates) / recorder, median(rates) / json);
	}

	private static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class BenchmarkApplication {

	}

}
