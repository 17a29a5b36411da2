package dev.metering.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 90-byte request that used to exhaust the heap, sent by 64 clients at once for 10 s to the
 * sample app in a JVM of 256 MB: every answer is a 400, no {@link OutOfMemoryError} anywhere in
 * the app's log, the heap after a full GC within 10 % of where it was before the attack, and the
 * ledger writer still writing (an idempotent event sent during the attack is in the ledger).
 */
class HostileNumbersHeapTests {

	private static final int CLIENTS = 64;

	private static final Duration ATTACK = Duration.ofSeconds(10);

	private static final List<String> QUANTITIES = List.of("-1e999999999", "1e999999999", "1e-999999999",
			"1e2147483647", "1e9999999999", "0e-999999999", "9".repeat(5_000), "NaN", "\"Infinity\"");

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	@Test
	void sixtyFourClientsOfHostileNumbersCostNoMemoryAndStopNoWriter() throws Exception {
		// A log of this run only: ChildApp appends to its log.
		String name = "hostile-numbers-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		try (ChildApp app = new ChildApp(name, List.of("-Xmx256m"),
				List.of("metering.writer.flush-interval=20ms", "metering.rollup.enabled=false",
						"logging.level.dev.metering.web=ERROR"))) {
			URI events = URI.create("http://127.0.0.1:" + app.port + "/api/events");
			// Warm up with as many clients: the classes, caches, threads and buffers an attack touches
			// exist before the baseline.
			attack(events, Duration.ofSeconds(3), CLIENTS);
			assertThat(post(events, valid("warm-up"))).isEqualTo(201);
			long before = heapAfterGc(app.pid());

			Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
			AtomicInteger recorded = new AtomicInteger();
			Thread honest = new Thread(() -> {
				long end = System.nanoTime() + ATTACK.toNanos();
				int i = 0;
				while (System.nanoTime() < end) {
					try {
						if (post(events, valid("during-" + i++)) == 201) {
							recorded.incrementAndGet();
						}
						Thread.sleep(200);
					}
					catch (Exception ex) {
						return;
					}
				}
			});
			honest.start();
			statuses.putAll(attack(events, ATTACK, CLIENTS));
			honest.join();

			assertThat(statuses.keySet()).as("statuses %s", statuses).containsOnly(400);
			assertThat(statuses.get(400).sum()).as("requests answered").isGreaterThan(1_000);
			assertThat(recorded.get()).as("honest events recorded during the attack").isPositive();
			// The writer still writes: a retry of the last honest key is a duplicate only once its
			// first copy is in the ledger.
			String last = valid("during-" + (recorded.get() - 1));
			assertThat(awaitDuplicate(events, last)).as("the writer wrote the events of the attack").isTrue();
			long after = heapAfterGc(app.pid());
			String log = Files.readString(app.log);
			assertThat(log).doesNotContain("OutOfMemoryError");
			assertThat(after).as("heap after GC: before %d KB, after %d KB", before >> 10, after >> 10)
				.isLessThanOrEqualTo(before + before / 10);
		}
	}

	private Map<Integer, LongAdder> attack(URI events, Duration length, int clients) throws Exception {
		Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		long end = System.nanoTime() + length.toNanos();
		List<Future<?>> running = new ArrayList<>();
		for (int c = 0; c < clients; c++) {
			int client = c;
			running.add(pool.submit(() -> {
				int i = client;
				while (System.nanoTime() < end) {
					String quantity = QUANTITIES.get(i++ % QUANTITIES.size());
					String body = "{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\",\"quantity\":" + quantity
							+ ",\"user_id\":\"a\"}";
					statuses.computeIfAbsent(post(events, body), (status) -> new LongAdder()).increment();
				}
				return null;
			}));
		}
		for (Future<?> client : running) {
			client.get(length.toSeconds() + 60, TimeUnit.SECONDS);
		}
		pool.shutdown();
		return statuses;
	}

	private boolean awaitDuplicate(URI events, String body) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			if (post(events, body) == 200) {
				return true;
			}
			Thread.sleep(100);
		}
		return false;
	}

	private static String valid(String key) {
		return "{\"tenant_id\":\"demo-pro\",\"metric\":\"reports.pages\",\"quantity\":1,\"user_id\":\"a\","
				+ "\"idempotency_key\":\"" + key + "\"}";
	}

	private int post(URI uri, String body) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(uri)
			.timeout(Duration.ofSeconds(30))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	/** Heap in use after a full GC of the child, from {@code jcmd}. */
	private static long heapAfterGc(long pid) throws Exception {
		jcmd(pid, "GC.run");
		String info = jcmd(pid, "GC.heap_info");
		Matcher used = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
		assertThat(used.find()).as(info).isTrue();
		return Long.parseLong(used.group(1)) * 1024;
	}

	private static String jcmd(long pid, String command) throws Exception {
		String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
		Process process = new ProcessBuilder(jcmd, Long.toString(pid), command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}

}
