package dev.metering.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.metering.sample.SampleApplication;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Load run (not a test): the sample application in one run with {@code metering.enabled=false},
 * with the kit on without quotas, and with the kit on and a hard quota far from its limit,
 * {@code GET /api/ping} on loopback with {@code wrk} when installed (else a bounded Java
 * HttpClient loop). Prints throughput, p99 latency and the throughput ratio. Rounds alternate the
 * set-ups so drift on a shared machine hits both.
 * <p>
 * Arguments (all optional): seconds of measurement (20), seconds of warm-up (10), connections
 * (32), rounds (2).
 */
public final class QuotaLoadRun {

	private static final String TENANT = "acme";

	private QuotaLoadRun() {
	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 20;
		int warmup = (args.length > 1) ? Integer.parseInt(args[1]) : 10;
		int connections = (args.length > 2) ? Integer.parseInt(args[2]) : 32;
		int rounds = (args.length > 3) ? Integer.parseInt(args[3]) : 2;
		boolean wrk = new File("/usr/bin/wrk").canExecute();
		System.out.printf("load: %s, %d connections, %d s warm-up, %d s measured, %d rounds, %d cores%n",
				wrk ? "wrk -t2" : "Java HttpClient", connections, warmup, seconds, rounds,
				Runtime.getRuntime().availableProcessors());
		List<Result> off = new ArrayList<>();
		List<Result> metered = new ArrayList<>();
		List<Result> on = new ArrayList<>();
		for (int round = 0; round < rounds; round++) {
			off.add(run("kit off", wrk, seconds, warmup, connections, "metering.enabled=false"));
			// Metering without quotas isolates what the quota check adds to recording.
			metered.add(run("kit on, no quota", wrk, seconds, warmup, connections, "metering.quota.enabled=false"));
			on.add(run("kit on, quota", wrk, seconds, warmup, connections, "metering.default-plan=bench",
					"metering.plans.bench.quotas[0].meter=http.requests",
					"metering.plans.bench.quotas[0].limit=1000000000000", "metering.plans.bench.quotas[0].window=month",
					"metering.plans.bench.quotas[0].enforcement=hard"));
		}
		double offRps = mean(off, Result::rps);
		double meteredRps = mean(metered, Result::rps);
		double onRps = mean(on, Result::rps);
		System.out.printf("%nmean kit off:          %.0f req/s, p99 %.2f ms%n", offRps, mean(off, Result::p99Millis));
		System.out.printf("mean kit on, no quota: %.0f req/s, p99 %.2f ms%n", meteredRps,
				mean(metered, Result::p99Millis));
		System.out.printf("mean kit on, quota:    %.0f req/s, p99 %.2f ms%n", onRps, mean(on, Result::p99Millis));
		System.out.printf("throughput ratio (kit on with quota / kit off): %.3f%n", onRps / offRps);
		System.out.printf("throughput ratio (kit on with quota / kit on without quota): %.3f%n", onRps / meteredRps);
		System.exit(0);
	}

	private static double mean(List<Result> results, java.util.function.ToDoubleFunction<Result> value) {
		return results.stream().mapToDouble(value).average().orElseThrow();
	}

	private static Result run(String label, boolean wrk, int seconds, int warmup, int connections,
			String... properties) throws Exception {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.main.banner-mode=off",
				"--logging.level.root=WARN", "--spring.datasource.url=jdbc:h2:mem:load-" + System.nanoTime()
						+ ";DB_CLOSE_DELAY=-1"));
		Arrays.stream(properties).map((p) -> "--" + p).forEach(args::add);
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class)
			.run(args.toArray(String[]::new))) {
			String url = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/api/ping";
			load(wrk, url, warmup, connections);
			Result result = load(wrk, url, seconds, connections);
			System.out.printf("%-14s %9.0f req/s  p99 %6.2f ms  (%d requests, %d errors)%n", label, result.rps(),
					result.p99Millis(), result.requests(), result.errors());
			return result;
		}
	}

	private static Result load(boolean wrk, String url, int seconds, int connections) throws Exception {
		return wrk ? wrk(url, seconds, connections) : java(url, seconds, connections);
	}

	private static Result wrk(String url, int seconds, int connections) throws Exception {
		Process process = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency", "-H",
				"X-Tenant-Id: " + TENANT, url)
			.redirectErrorStream(true)
			.start();
		StringBuilder output = new StringBuilder();
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			reader.lines().forEach((line) -> output.append(line).append('\n'));
		}
		process.waitFor();
		String text = output.toString();
		double rps = Double.parseDouble(group(text, "Requests/sec:\\s+([0-9.]+)"));
		double p99 = millis(group(text, "\\s99%\\s+([0-9.]+\\w+)"));
		long requests = Long.parseLong(group(text, "(\\d+) requests in"));
		Matcher errors = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(text);
		return new Result(rps, p99, requests, errors.find() ? Long.parseLong(errors.group(1)) : 0);
	}

	private static Result java(String url, int seconds, int connections) throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("X-Tenant-Id", TENANT).build();
		long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
		ExecutorService pool = Executors.newFixedThreadPool(connections);
		List<Future<long[]>> futures = new ArrayList<>();
		for (int i = 0; i < connections; i++) {
			futures.add(pool.submit(() -> {
				long[] latencies = new long[1 << 16];
				int n = 0;
				long errors = 0;
				while (System.nanoTime() < end) {
					long start = System.nanoTime();
					HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
					if (n == latencies.length) {
						latencies = Arrays.copyOf(latencies, n * 2);
					}
					latencies[n++] = System.nanoTime() - start;
					errors += (response.statusCode() == 200) ? 0 : 1;
				}
				long[] result = Arrays.copyOf(latencies, n + 1);
				result[n] = errors;
				return result;
			}));
		}
		List<Long> all = new ArrayList<>();
		long errors = 0;
		for (Future<long[]> future : futures) {
			long[] result = future.get();
			for (int i = 0; i < result.length - 1; i++) {
				all.add(result[i]);
			}
			errors += result[result.length - 1];
		}
		pool.shutdown();
		long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
		double p99 = sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] / 1e6;
		return new Result(sorted.length / (double) seconds, p99, sorted.length, errors);
	}

	private static String group(String text, String regex) {
		Matcher matcher = Pattern.compile(regex).matcher(text);
		if (!matcher.find()) {
			throw new IllegalStateException("wrk output without " + regex + ":\n" + text);
		}
		return matcher.group(1);
	}

	private static double millis(String value) {
		Matcher matcher = Pattern.compile("([0-9.]+)(us|ms|s)").matcher(value);
		if (!matcher.matches()) {
			throw new IllegalStateException("latency " + value);
		}
		double number = Double.parseDouble(matcher.group(1));
		return switch (matcher.group(2)) {
			case "us" -> number / 1000;
			case "ms" -> number;
			default -> number * 1000;
		};
	}

	private record Result(double rps, double p99Millis, long requests, long errors) {
	}

}
