package dev.metering.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.test.FaultyDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter in a real servlet container: one ledger row per request with the route template,
 * async requests counted once, failures recorded as 500, excluded paths not metered, and
 * requests served while the database hangs.
 */
@SpringBootTest(classes = MeteringFilterIntegrationTests.TestApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "metering.web.tenant-source=header", "metering.web.trusted-proxies=127.0.0.1,::1",
				"metering.writer.flush-interval=10ms", "metering.writer.retry.max-backoff=200ms",
				"spring.mvc.async.request-timeout=5s" })
class MeteringFilterIntegrationTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int port;

	@Autowired
	private FaultyDataSource dataSource;

	@Autowired
	private BufferedLedgerWriter writer;

	@Autowired
	private TestController controller;

	private JdbcTemplate jdbc;

	@BeforeEach
	void clean() {
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.jdbc.update("DELETE FROM metering_usage_event");
		this.controller.calls.set(0);
	}

	@AfterEach
	void heal() {
		this.dataSource.mode(FaultyDataSource.Mode.NORMAL);
	}

	@Test
	void aRequestIsRecordedOnceUnderItsRouteTemplate() throws Exception {
		assertThat(get("/api/projects/42", "acme").statusCode()).isEqualTo(200);

		List<Map<String, Object>> rows = rows();
		assertThat(rows).hasSize(1);
		Map<String, Object> row = rows.get(0);
		assertThat(row).containsEntry("tenant_id", "acme")
			.containsEntry("billing_scope_id", "acme")
			.containsEntry("meter", "http.requests")
			.containsEntry("resource", "GET /api/projects/{id}")
			.containsEntry("source", "http");
		assertThat(row.get("user_id")).isNull();
		assertThat(((java.math.BigDecimal) row.get("quantity"))).isEqualByComparingTo("1");
		assertThat(DimensionsJson.decode((String) row.get("dimensions"))).containsEntry("status", "200");
	}

	@Test
	void anUnmatchedPathIsNeverRecordedRaw() throws Exception {
		assertThat(get("/no/such/path/123", "acme").statusCode()).isEqualTo(404);

		assertThat(rows()).singleElement().satisfies((row) -> {
			assertThat(row).containsEntry("resource", "GET " + MeteringFilter.UNMATCHED);
			assertThat(DimensionsJson.decode((String) row.get("dimensions"))).containsEntry("status", "404");
		});
	}

	@Test
	void aFailingHandlerIsRecordedWithStatus500() throws Exception {
		assertThat(get("/api/fail", "acme").statusCode()).isEqualTo(500);

		assertThat(rows()).singleElement().satisfies((row) -> {
			assertThat(row).containsEntry("resource", "GET /api/fail");
			assertThat(DimensionsJson.decode((String) row.get("dimensions"))).containsEntry("status", "500");
		});
	}

	@Test
	void anAsyncRequestIsRecordedOnceWhenItCompletes() throws Exception {
		HttpResponse<String> response = get("/api/async/7", "acme");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("async-7");
		// The async dispatch records after the response is sent: the client can see the answer first.
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (rows().isEmpty() && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(rows()).singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("resource", "GET /api/async/{id}")
				.containsEntry("tenant_id", "acme"));
		// The event occurred when the request started (carried over to the async dispatch), not
		// when the async dispatch completed it.
		java.time.OffsetDateTime occurredAt = this.jdbc.queryForObject("SELECT occurred_at FROM metering_usage_event",
				java.time.OffsetDateTime.class);
		assertThat(occurredAt.toInstant()).isBefore(this.controller.asyncRan);
	}

	@Test
	void requestsWithoutATenantAndExcludedPathsAreNotMetered() throws Exception {
		assertThat(get("/api/projects/1", null).statusCode()).isEqualTo(200);
		assertThat(get("/actuator/anything", "acme").statusCode()).isEqualTo(404);

		assertThat(rows()).isEmpty();
	}

	@Test
	void aThousandRequestsMakeAThousandRows() throws Exception {
		for (int i = 0; i < 1_000; i++) {
			assertThat(get("/api/projects/" + i, "acme").statusCode()).isEqualTo(200);
		}
		assertThat(rows()).hasSize(1_000);
	}

	@Test
	void aRequestIsServedAndItsEventBufferedWhileTheDatabaseHangs() throws Exception {
		this.dataSource.mode(FaultyDataSource.Mode.BLOCK);
		long start = System.nanoTime();

		HttpResponse<String> response = get("/api/projects/9", "acme");

		assertThat(response.statusCode()).isEqualTo(200);
		// The database stays blocked for minutes; a response in seconds did not wait for it.
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(this.controller.calls.get()).isOne();
		// The writer is stuck on the database; the event waits for it.
		waitFor(() -> this.dataSource.blockedCalls() > 0);
		assertThat(this.writer.buffered()).isOne();

		this.dataSource.mode(FaultyDataSource.Mode.NORMAL);
		assertThat(rows()).singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("resource", "GET /api/projects/{id}"));
	}

	private List<Map<String, Object>> rows() {
		assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
		return this.jdbc.queryForList("SELECT * FROM metering_usage_event ORDER BY id");
	}

	private HttpResponse<String> get(String path, String tenant) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10));
		if (tenant != null) {
			request.header("X-Tenant-Id", tenant);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(condition.getAsBoolean()).isTrue();
	}

	@SpringBootApplication
	static class TestApplication {

		@Bean
		FaultyDataSource dataSource() {
			DataSource h2 = new DriverManagerDataSource("jdbc:h2:mem:filter-tests;DB_CLOSE_DELAY=-1", "sa", "");
			return new FaultyDataSource(h2);
		}

		@Bean
		TestController testController() {
			return new TestController();
		}

	}

	@RestController
	static class TestController {

		final AtomicInteger calls = new AtomicInteger();

		volatile java.time.Instant asyncRan = java.time.Instant.MIN;

		@GetMapping("/api/projects/{id}")
		Map<String, Object> project(@PathVariable long id) {
			this.calls.incrementAndGet();
			return Map.of("id", id);
		}

		@GetMapping("/api/async/{id}")
		Callable<String> async(@PathVariable long id) {
			return () -> {
				Thread.sleep(50);
				this.asyncRan = java.time.Instant.now();
				return "async-" + id;
			};
		}

		@GetMapping("/api/fail")
		String fail() {
			throw new IllegalStateException("boom");
		}

	}

}
