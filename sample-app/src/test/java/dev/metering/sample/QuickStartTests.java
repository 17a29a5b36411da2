package dev.metering.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "Usage Metering" product's Quick Start against the sample as it ships (no admin key, no
 * API key, on localhost): its four commands answer 2xx with the fields its clients read, for a
 * tenant the sample's yml does not list, and the billing report has a priced api_calls line.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "spring.datasource.url=jdbc:h2:mem:sample-quick-start;DB_CLOSE_DELAY=-1")
class QuickStartTests {

	private final HttpClient http = HttpClient.newHttpClient();

	private final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@Test
	void theQuickStartsFourCommandsAsWritten() throws Exception {
		HttpResponse<String> recorded = post("/api/events",
				"{\"tenant_id\": \"tenant_acme\", \"metric\": \"api_calls\", \"quantity\": 1, \"user_id\": \"user_1\"}");
		assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(201);
		JsonNode event = this.json.readTree(recorded.body());
		assertThat(event.get("id").asString()).isNotBlank();
		assertThat(event.get("status").asString()).isEqualTo("recorded");

		// The event reaches the ledger off the request thread: clients poll, as the test does.
		JsonNode usage = eventually("/api/usage/tenant_acme/api_calls", (node) -> node.get("total").asInt() == 1);
		assertThat(usage.get("tenant_id").asString()).isEqualTo("tenant_acme");
		assertThat(usage.get("metric").asString()).isEqualTo("api_calls");
		assertThat(usage.get("usage").isArray()).isTrue();

		HttpResponse<String> quotaResponse = get("/api/quota/tenant_acme/api_calls");
		assertThat(quotaResponse.statusCode()).as(quotaResponse.body()).isEqualTo(200);
		JsonNode quota = this.json.readTree(quotaResponse.body());
		assertThat(quota.get("tenant_id").asString()).isEqualTo("tenant_acme");
		assertThat(quota.get("allowed").asBoolean()).isTrue();
		assertThat(quota.get("policies")).isNotEmpty();
		JsonNode policy = quota.get("policies").get(0);
		assertThat(policy.get("used").asInt()).isEqualTo(1);
		assertThat(policy.has("limit") && policy.has("remaining") && policy.has("reset")).isTrue();

		HttpResponse<String> reportResponse = post("/api/billing-report", "{\"tenant_id\": \"tenant_acme\"}");
		assertThat(reportResponse.statusCode()).as(reportResponse.body()).isEqualTo(200);
		JsonNode report = this.json.readTree(reportResponse.body());
		assertThat(report.get("tenant_id").asString()).isEqualTo("tenant_acme");
		assertThat(report.get("currency").asString()).isNotBlank();
		JsonNode line = null;
		for (JsonNode candidate : report.get("lines")) {
			if ("api_calls".equals(candidate.get("metric").asString())) {
				line = candidate;
			}
		}
		assertThat(line).as(report.toString()).isNotNull();
		assertThat(line.get("quantity").asInt()).isEqualTo(1);
		assertThat(new java.math.BigDecimal(line.get("amount").asString())).isPositive();
		assertThat(new java.math.BigDecimal(report.get("subtotal").asString())).isPositive();
	}

	private JsonNode eventually(String path, java.util.function.Predicate<JsonNode> done) throws Exception {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
		while (true) {
			HttpResponse<String> response = get(path);
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			JsonNode node = this.json.readTree(response.body());
			if (done.test(node) || Instant.now().isAfter(deadline)) {
				assertThat(done.test(node)).as(response.body()).isTrue();
				return node;
			}
			Thread.sleep(50);
		}
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path, String body) throws Exception {
		return this.http.send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

}
