package dev.metering.acceptance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaExceededException;
import dev.metering.quota.QuotaWarningEvent;
import dev.metering.sample.SampleApplication;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The sample application started as a user runs it (embedded Tomcat on a random port), on the
 * test PostgreSQL database under a table prefix of its own, with a clock the test moves, and
 * probes: how many requests reached a controller, and which warning events were published.
 */
final class SampleApp implements AutoCloseable {

	static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	final ConfigurableApplicationContext context;

	final int port;

	SampleApp(TestSchema schema, MutableClock clock, String... properties) {
		Probes.clock = clock;
		List<String> args = new ArrayList<>(List.of("--server.port=0",
				"--spring.datasource.url=" + schema.database().jdbcUrl(), "--spring.datasource.username=",
				"--metering.jdbc.initialize-schema=never", "--metering.jdbc.table-prefix=" + schema.prefix()));
		for (String property : properties) {
			args.add("--" + property);
		}
		this.context = new SpringApplicationBuilder(SampleApplication.class, Probes.class)
			.run(args.toArray(String[]::new));
		this.port = Integer.parseInt(this.context.getEnvironment().getProperty("local.server.port"));
	}

	static TestSchema postgres() {
		return TestDatabase.POSTGRESQL.newSchema();
	}

	Probes probes() {
		return this.context.getBean(Probes.class);
	}

	HttpResponse<String> get(String path, String tenant) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("X-Tenant-Id", tenant)
			.timeout(Duration.ofSeconds(30))
			.GET()
			.build();
		return http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** {@code count} requests from {@code threads} threads released at once. */
	List<HttpResponse<String>> burst(String path, String tenant, int count, int threads) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<HttpResponse<String>>> futures = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			futures.add(pool.submit(() -> {
				start.await();
				return get(path, tenant);
			}));
		}
		start.countDown();
		List<HttpResponse<String>> responses = new ArrayList<>();
		for (Future<HttpResponse<String>> future : futures) {
			responses.add(future.get(60, TimeUnit.SECONDS));
		}
		pool.shutdown();
		return responses;
	}

	/** Waits until every event recorded so far is in the ledger. */
	void flush() {
		this.context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(30));
	}

	@Override
	public void close() {
		this.context.close();
	}

	/**
	 * Test beans added to the sample application: deliberately not a {@code @Configuration}, so the
	 * sample's component scan never finds it.
	 */
	static class Probes implements WebMvcConfigurer {

		static volatile MutableClock clock;

		final AtomicInteger controllerCalls = new AtomicInteger();

		final List<QuotaWarningEvent> warnings = new CopyOnWriteArrayList<>();

		@Bean
		Clock clock() {
			return clock;
		}

		@Override
		public void addInterceptors(InterceptorRegistry registry) {
			registry.addInterceptor(new HandlerInterceptor() {
				@Override
				public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
					if (handler instanceof HandlerMethod) {
						Probes.this.controllerCalls.incrementAndGet();
					}
					return true;
				}
			});
		}

		@EventListener
		void onWarning(QuotaWarningEvent event) {
			this.warnings.add(event);
		}

		@Bean
		ExportController exportController(QuotaEnforcementService quotas, UsageRecorder recorder) {
			return new ExportController(quotas, recorder);
		}

	}

	/** Programmatic enforcement of an operation's meter, as an application would write it. */
	@RestController
	static class ExportController {

		private final QuotaEnforcementService quotas;

		private final UsageRecorder recorder;

		ExportController(QuotaEnforcementService quotas, UsageRecorder recorder) {
			this.quotas = quotas;
			this.recorder = recorder;
		}

		@GetMapping("/api/test/exports")
		Map<String, Object> export(@RequestHeader("X-Tenant-Id") String tenant) {
			Instant now = this.quotas.getClock().instant();
			QuotaDecision decision = QuotaExceededException
				.requireAllowed(this.quotas.check(tenant, "exports.rows", 10), now);
			decision.reservation()
				.record(this.recorder, UsageEvent.builder(tenant, "exports.rows").quantity(10).occurredAt(now).build());
			return Map.of("rows", 10);
		}

	}

}
