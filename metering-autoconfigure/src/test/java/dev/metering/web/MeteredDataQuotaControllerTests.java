package dev.metering.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.operation.Metered;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quotas of defined meters through the HTTP path: {@code @Metered} controller methods with data
 * are checked by the events the meters make of it, and an over-quota call gets the kit's 429,
 * naming the policy, before the controller body runs.
 */
@SpringBootTest(classes = MeteredDataQuotaControllerTests.TestApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "metering.web.tenant-source=header", "metering.web.trusted-proxies=127.0.0.1,::1",
				"spring.datasource.url=jdbc:h2:mem:metered-data-quota;DB_CLOSE_DELAY=-1",
				"metering.meters[0].name=seats", "metering.meters[0].aggregation=unique-count",
				"metering.meters[0].event-type=doc.opened", "metering.meters[0].value=/user",
				"metering.meters[1].name=llm.tokens", "metering.meters[1].event-type=llm.completion",
				"metering.meters[1].value=/usage/total_tokens", "metering.meters[1].group-by.model=/model",
				"metering.meters[2].name=storage", "metering.meters[2].aggregation=max", "metering.meters[2].value=/gb",
				"metering.default-plan=team", "metering.plans.team.quotas[0].meter=seats",
				"metering.plans.team.quotas[0].limit=3", "metering.plans.team.quotas[1].meter=llm.tokens",
				"metering.plans.team.quotas[1].limit=100", "metering.plans.team.quotas[1].window=day",
				"metering.plans.team.quotas[1].filter.model=gpt-4o", "metering.plans.team.quotas[2].meter=storage",
				"metering.plans.team.quotas[2].limit=100" })
class MeteredDataQuotaControllerTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private DataController controller;

	@Test
	void theFourthSeatIsRefusedAndTheSeatedUsersAlwaysPass() throws Exception {
		for (String user : new String[] { "ann", "bob", "cid" }) {
			assertThat(get("/api/docs?user=" + user, "acme").statusCode()).isEqualTo(200);
		}
		int before = this.controller.docCalls();
		HttpResponse<String> refused = get("/api/docs?user=dan", "acme");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();
		assertThat(refused.headers().firstValue("RateLimit-Policy"))
			.hasValueSatisfying((policy) -> assertThat(policy).contains("\"team-seats-month\";q=3"));
		assertThat(refused.body()).contains("\"meter\":\"seats\"");
		assertThat(this.controller.docCalls()).as("the body never ran").isEqualTo(before);
		for (int i = 0; i < 5; i++) {
			assertThat(get("/api/docs?user=bob", "acme").statusCode()).isEqualTo(200);
		}
		assertThat(get("/api/docs?user=dan", "initech").statusCode()).as("another tenant's seats").isEqualTo(200);
	}

	@Test
	void aQuotaFilteredOnAModelRefusesThatModelOnly() throws Exception {
		assertThat(get("/api/complete?model=gpt-4o&tokens=60", "globex").statusCode()).isEqualTo(200);
		int before = this.controller.completionCalls();
		HttpResponse<String> refused = get("/api/complete?model=gpt-4o&tokens=60", "globex");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(
				(policy) -> assertThat(policy).contains("\"team-llm.tokens[model=gpt-4o]-day\";q=100"));
		assertThat(refused.headers().firstValue("RateLimit"))
			.hasValueSatisfying((fields) -> assertThat(fields).contains("\"team-llm.tokens[model=gpt-4o]-day\";r=40"));
		assertThat(this.controller.completionCalls()).isEqualTo(before);
		assertThat(get("/api/complete?model=gpt-4o-mini&tokens=500", "globex").statusCode()).isEqualTo(200);
		assertThat(get("/api/complete?model=gpt-4o&tokens=40", "globex").statusCode()).isEqualTo(200);
	}

	@Test
	void aGaugeOverItsLimitIsRefused() throws Exception {
		assertThat(get("/api/storage?gb=80", "hooli").statusCode()).isEqualTo(200);
		assertThat(get("/api/storage?gb=150", "hooli").statusCode()).isEqualTo(429);
		assertThat(get("/api/storage?gb=100", "hooli").statusCode()).isEqualTo(200);
	}

	private HttpResponse<String> get(String path, String tenant) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Tenant-Id", tenant)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootApplication
	static class TestApplication {

		@Bean
		DataController dataController() {
			return new DataController();
		}

	}

	@RestController
	static class DataController {

		final AtomicInteger docs = new AtomicInteger();

		final AtomicInteger completions = new AtomicInteger();

		public int docCalls() {
			return this.docs.get();
		}

		public int completionCalls() {
			return this.completions.get();
		}

		@Metered(meter = "doc.opened", data = "{'user': #user}")
		@GetMapping("/api/docs")
		public Map<String, Object> open(@RequestParam String user) {
			this.docs.incrementAndGet();
			return Map.of("user", user);
		}

		@Metered(meter = "llm.completion", data = "{'model': #model, 'usage': {'total_tokens': #tokens}}")
		@GetMapping("/api/complete")
		public Map<String, Object> complete(@RequestParam String model, @RequestParam int tokens) {
			this.completions.incrementAndGet();
			return Map.of("model", model);
		}

		@Metered(meter = "storage", data = "{'gb': #gb}")
		@GetMapping("/api/storage")
		public Map<String, Object> storage(@RequestParam int gb) {
			return Map.of("gb", gb);
		}

	}

}
