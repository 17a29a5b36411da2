package dev.metering.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.operation.Metered;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @Metered} on controller methods: an over-quota call gets the kit's 429 and the method
 * body never runs, whether the MVC interceptor refuses it (quota used up) or the method
 * interceptor does (this call's quantity would pass the limit).
 */
@SpringBootTest(classes = MeteredControllerTests.TestApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "metering.web.tenant-source=header", "metering.web.trusted-proxies=127.0.0.1,::1",
				"spring.datasource.url=jdbc:h2:mem:metered-controller;DB_CLOSE_DELAY=-1",
				"metering.default-plan=free", "metering.plans.free.quotas[0].meter=exports",
				"metering.plans.free.quotas[0].limit=2", "metering.plans.free.quotas[0].window=day",
				"metering.plans.free.quotas[0].enforcement=hard", "metering.plans.free.quotas[1].meter=pages",
				"metering.plans.free.quotas[1].limit=10", "metering.plans.free.quotas[1].window=day",
				"metering.plans.free.quotas[1].enforcement=hard" })
class MeteredControllerTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private MeteredController controller;

	@Autowired
	private BufferedLedgerWriter writer;

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void anOverQuotaCallGets429AndTheControllerBodyNeverRuns() throws Exception {
		assertThat(get("/api/exports/1", "acme").statusCode()).isEqualTo(200);
		assertThat(get("/api/exports/2", "acme").statusCode()).isEqualTo(200);

		HttpResponse<String> rejected = get("/api/exports/3", "acme");

		assertThat(rejected.statusCode()).isEqualTo(429);
		assertThat(rejected.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(rejected.headers().firstValue("Retry-After")).isPresent();
		// The request meter has no quota here; the operation's policy is listed.
		assertThat(rejected.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(
				(policy) -> assertThat(policy).contains("q=2"));
		assertThat(rejected.body()).contains("\"meter\":\"exports\"").contains("\"tenant\":\"acme\"");
		assertThat(this.controller.exportCalls()).isEqualTo(2);
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.queryForObject(
				"SELECT COUNT(*) FROM metering_usage_event WHERE meter = 'exports' AND tenant_id = 'acme'", Long.class))
			.isEqualTo(2);
	}

	@Test
	void aQuantityOverTheArgumentsIsCheckedExactlyBeforeTheBodyRuns() throws Exception {
		assertThat(get("/api/pages?pages=6", "initech").statusCode()).isEqualTo(200);
		// 6 + 6 > 10: the method interceptor refuses, the MVC exception handling answers 429.
		HttpResponse<String> tooMany = get("/api/pages?pages=6", "initech");
		assertThat(tooMany.statusCode()).isEqualTo(429);
		assertThat(tooMany.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(tooMany.headers().firstValue("Retry-After")).isPresent();
		assertThat(get("/api/pages?pages=4", "initech").statusCode()).isEqualTo(200);
		// Nothing left: the MVC interceptor refuses before binding.
		assertThat(get("/api/pages?pages=1", "initech").statusCode()).isEqualTo(429);

		assertThat(this.controller.pageCalls()).isEqualTo(2);
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.queryForObject(
				"SELECT SUM(quantity) FROM metering_usage_event WHERE meter = 'pages' AND tenant_id = 'initech'",
				java.math.BigDecimal.class))
			.isEqualByComparingTo("10");
	}

	private HttpResponse<String> get(String path, String tenant) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Tenant-Id", tenant)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootApplication
	static class TestApplication {

		@Bean
		MeteredController meteredController() {
			return new MeteredController();
		}

	}

	@RestController
	static class MeteredController {

		final AtomicInteger exports = new AtomicInteger();

		final AtomicInteger pages = new AtomicInteger();

		// Read through methods: the bean is a proxy, and its fields are the target's.
		public int exportCalls() {
			return this.exports.get();
		}

		public int pageCalls() {
			return this.pages.get();
		}

		@Metered(meter = "exports")
		@GetMapping("/api/exports/{id}")
		public Map<String, Object> export(@PathVariable long id) {
			this.exports.incrementAndGet();
			return Map.of("id", id);
		}

		@Metered(meter = "pages", quantity = "#pages")
		@GetMapping("/api/pages")
		public Map<String, Object> pages(@RequestParam int pages) {
			this.pages.incrementAndGet();
			return Map.of("pages", pages);
		}

	}

}
