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
 * The sample app as a user runs it (embedded H2): every request of a tenant lands in the ledger
 * exactly once, under its route template.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private BufferedLedgerWriter writer;

	@BeforeEach
	void emptyLedger() {
		// Events of the previous test (its last requests, answered after its own flush) first.
		assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
		this.jdbc.update("DELETE FROM metering_usage_event");
	}

	@Test
	void oneRequestMakesOneRowUnderTheRouteTemplate() throws Exception {
		// No such project: answered 404, and still metered under its route template.
		assertThat(get("/api/projects/42").statusCode()).isEqualTo(404);

		assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
		assertThat(this.jdbc.queryForList("SELECT tenant_id, meter, resource, source FROM metering_usage_event"))
			.singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("TENANT_ID", "acme")
				.containsEntry("METER", "http.requests")
				.containsEntry("RESOURCE", "GET /api/projects/{id}")
				.containsEntry("SOURCE", "http"));
	}

	@Test
	void aThousandRequestsMakeExactlyAThousandRows() throws Exception {
		for (int i = 0; i < 1_000; i++) {
			assertThat(get((i % 2 == 0) ? "/api/projects" : "/api/ping").statusCode()).isEqualTo(200);
		}

		// The filter records after the response is written: the last answers may arrive before
		// their events reach the writer, so wait for them (never for more).
		String mine = "SELECT COUNT(*) FROM metering_usage_event WHERE tenant_id = 'acme' AND resource IN "
				+ "('GET /api/projects', 'GET /api/ping')";
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		long rows;
		do {
			assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
			rows = this.jdbc.queryForObject(mine, Long.class);
		}
		while (rows < 1_000 && System.nanoTime() < deadline);
		assertThat(rows).isEqualTo(1_000);
		assertThat(this.jdbc.queryForObject(
				"SELECT COUNT(*) FROM metering_usage_event WHERE tenant_id = 'acme' AND resource = 'GET /api/projects'",
				Long.class))
			.isEqualTo(500);
	}

	@Test
	void reportsAreMeteredByPageAndRefusedPastTheMonthlyQuota() throws Exception {
		HttpResponse<String> first = postReport("demo-free", 30);
		assertThat(first.statusCode()).isEqualTo(201);
		// Checked for the request meter by the filter and for the operation's meter by the interceptor.
		assertThat(first.headers().firstValue("RateLimit-Policy")).hasValueSatisfying((policy) -> assertThat(policy)
			.contains("\"free-http.requests-day\";q=100")
			.contains("\"free-reports.pages-month\";q=50"));

		HttpResponse<String> refused = postReport("demo-free", 30);
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(postReport("demo-free", 20).statusCode()).isEqualTo(201);
		assertThat(postReport("internal", 500).statusCode()).isEqualTo(201);

		assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
		assertThat(this.jdbc.queryForObject(
				"SELECT SUM(quantity) FROM metering_usage_event WHERE meter = 'reports.pages' AND tenant_id = 'demo-free'",
				java.math.BigDecimal.class))
			.isEqualByComparingTo("50");
		assertThat(this.jdbc.queryForObject(
				"SELECT resource FROM metering_usage_event WHERE meter = 'reports.pages' AND tenant_id = 'internal'",
				String.class))
			.isEqualTo("reports.generate");
	}

	@Test
	void theOrganisationsProjectsAreBilledByTheirAttribution() throws Exception {
		assertThat(get("/api/ping", "acme-web").statusCode()).isEqualTo(200);
		assertThat(get("/api/ping", "acme-mobile").statusCode()).isEqualTo(200);
		assertThat(get("/api/ping", "acme-corp").statusCode()).isEqualTo(200);

		assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
		assertThat(this.jdbc.queryForList(
				"SELECT tenant_id, billing_scope_id FROM metering_usage_event ORDER BY tenant_id"))
			.extracting((row) -> row.get("TENANT_ID") + "->" + row.get("BILLING_SCOPE_ID"))
			.containsExactly("acme-corp->acme-corp", "acme-mobile->acme-mobile", "acme-web->acme-corp");
	}

	@Test
	void theProjectsShareTheOrganisationsReportQuota() throws Exception {
		assertThat(postReport("acme-web", 60).statusCode()).isEqualTo(201);
		HttpResponse<String> refused = postReport("acme-mobile", 50);
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.body()).contains("acme-corp/team-reports.pages-month");
		assertThat(postReport("acme-mobile", 40).statusCode()).isEqualTo(201);

		assertThat(this.writer.flush(Duration.ofSeconds(30))).isTrue();
		assertThat(this.jdbc.queryForList("SELECT tenant_id, billing_scope_id, quantity FROM metering_usage_event "
				+ "WHERE meter = 'reports.pages' ORDER BY tenant_id"))
			.extracting((row) -> row.get("TENANT_ID") + "->" + row.get("BILLING_SCOPE_ID") + ":"
					+ ((java.math.BigDecimal) row.get("QUANTITY")).intValue())
			.containsExactly("acme-mobile->acme-mobile:40", "acme-web->acme-corp:60");
	}

	private HttpResponse<String> postReport(String tenant, int pages) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/api/reports"))
			.header("X-Tenant-Id", tenant)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"Q3\",\"pages\":" + pages + "}"))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String path) throws Exception {
		return get(path, "acme");
	}

	private HttpResponse<String> get(String path, String tenant) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Tenant-Id", tenant)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}
