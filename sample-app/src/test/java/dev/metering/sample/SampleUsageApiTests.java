package dev.metering.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.metering.ledger.BufferedLedgerWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's "Usage API" walk-through, step by step, against the sample app as it ships (local
 * mode): events recorded, a retry counted once, usage, quota status and a priced report with an
 * overage line, in JSON and CSV.
 */
// A context of its own (own database): other tests' quota state must not leak into the figures.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "spring.datasource.url=jdbc:h2:mem:sample-usage-api;DB_CLOSE_DELAY=-1")
class SampleUsageApiTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private BufferedLedgerWriter writer;

	@BeforeEach
	void emptyLedger() {
		this.jdbc.update("DELETE FROM metering_usage_event");
	}

	@Test
	void theReadmeWalkThrough() throws Exception {
		HttpResponse<String> one = post("/api/events",
				"{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\",\"quantity\":80,\"user_id\":\"alice\"}", null);
		assertThat(one.statusCode()).isEqualTo(201);
		HttpResponse<String> batch = post("/api/events",
				"[{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\",\"quantity\":5,\"user_id\":\"alice\"},"
						+ "{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\",\"quantity\":10,\"user_id\":\"bob\","
						+ "\"idempotency_key\":\"invoice-7\"}]",
				null);
		assertThat(batch.statusCode()).isEqualTo(201);
		assertThat(batch.body()).contains("\"recorded\":2");
		flush();
		HttpResponse<String> retry = post("/api/events", "{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\","
				+ "\"quantity\":10,\"user_id\":\"bob\",\"idempotency_key\":\"invoice-7\"}", null);
		assertThat(retry.statusCode()).isEqualTo(200);
		assertThat(retry.body()).contains("\"status\":\"duplicate\"");
		flush();

		HttpResponse<String> usage = get("/api/usage/demo-free/reports.pages?granularity=day", null);
		assertThat(usage.statusCode()).isEqualTo(200);
		assertThat(usage.body()).contains("\"total\":95");

		HttpResponse<String> quota = get("/api/quota/demo-free/reports.pages", null);
		assertThat(quota.statusCode()).isEqualTo(200);
		assertThat(quota.body()).contains("\"limit\":50", "\"used\":95", "\"remaining\":0",
				"\"next_unit_allowed\":false", "\"allowed\":false");

		HttpResponse<String> top = get("/api/usage/demo-free/reports.pages/top-users", null);
		assertThat(top.body()).contains("{\"user_id\":\"alice\",\"quantity\":85,\"events\":2}");

		HttpResponse<String> report = post("/api/billing-report", "{\"tenant_id\":\"demo-free\"}", null);
		assertThat(report.statusCode()).isEqualTo(200);
		assertThat(report.body()).contains("\"plan\":\"free\"", "\"quantity\":95", "\"included\":50",
				"\"billable\":45", "\"overage\":true", "\"amount\":\"4.50\"", "\"subtotal\":\"4.50\"");

		HttpResponse<String> csv = post("/api/billing-report", "{\"tenant_id\":\"demo-free\"}", "text/csv");
		assertThat(csv.headers().firstValue("Content-Type")).get().asString().startsWith("text/csv");
		assertThat(csv.body()).contains(",reports.pages,,95,50,45,per_unit,0.1,,4.50,EUR");

		HttpResponse<String> bad = post("/api/events",
				"{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\",\"quantity\":-1,\"user_id\":\"alice\"}",
				null);
		assertThat(bad.statusCode()).isEqualTo(400);
		assertThat(bad.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
		assertThat(bad.body()).contains("\"field\":\"quantity\"");
	}

	private void flush() {
		assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
	}

	private HttpResponse<String> get(String path, String accept) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path, String body, String accept) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body));
		if (accept != null) {
			request.header("Accept", accept);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
