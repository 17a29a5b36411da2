package dev.metering.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import dev.metering.ledger.JdbcUsageEventStore;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample as it ships is open only where that costs no tenant's data: no admin key is written
 * in the repository, so without one set in the environment the admin API is not mounted, and the
 * metering endpoint (any tenant's usage) is not reachable either. spring-kafka is on the class
 * path for the kafka profile, and without it nothing of Kafka exists.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "spring.datasource.url=jdbc:h2:mem:sample-defaults;DB_CLOSE_DELAY=-1")
class SampleDefaultsTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private ConfigurableApplicationContext context;

	@Test
	void noAdminKeyIsWrittenInTheSample() throws Exception {
		String yml = new ClassPathResource("application.yml").getContentAsString(StandardCharsets.UTF_8);
		assertThat(yml).doesNotContain("local-admin-key-change-me").doesNotContainPattern("METERING_ADMIN_KEY:[^}]");
	}

	@Test
	void withoutAKeyTheAdminApiAndTheMeteringEndpointAreClosed() throws Exception {
		HttpResponse<String> admin = send(HttpRequest.newBuilder(uri("/metering/admin/tenants/demo-free/quotas"))
			.header("X-Metering-Admin-Key", "local-admin-key-change-me")
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString("{\"meter\":\"http.requests\",\"window\":\"day\",\"limit\":0}")));
		assertThat(admin.statusCode()).isIn(401, 403, 404);
		for (String path : new String[] { "/actuator/metering", "/actuator/metering/demo-free" }) {
			assertThat(send(HttpRequest.newBuilder(uri(path)).GET()).statusCode()).as(path).isIn(401, 403, 404);
		}
		assertThat(send(HttpRequest.newBuilder(uri("/actuator/health")).GET()).statusCode()).isEqualTo(200);
	}

	@Test
	void withoutTheKafkaProfileNoBeanOrThreadOfKafkaExistsAndTheWriterWritesTheLedger() {
		List<String> kafkaPackages = List.of("org.apache.kafka.", "org.springframework.kafka.",
				"org.springframework.boot.kafka.", "dev.metering.kafka.");
		List<String> kafkaBeans = Arrays.stream(this.context.getBeanDefinitionNames())
			.filter((name) -> {
				Class<?> type = this.context.getType(name);
				return type != null && kafkaPackages.stream().anyMatch(type.getName()::startsWith);
			})
			.toList();
		assertThat(kafkaBeans).isEmpty();
		// Kafka's clients name their threads kafka-producer-network-thread, kafka-admin-client-thread, ...
		assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
			.noneMatch((name) -> name.toLowerCase(Locale.ROOT).contains("kafka"));
		assertThat(this.context.getBeansOfType(JdbcUsageEventStore.class)).hasSize(1);
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
