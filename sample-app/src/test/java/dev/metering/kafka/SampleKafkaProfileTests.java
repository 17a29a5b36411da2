package dev.metering.kafka;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.sample.SampleApplication;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's {@code kafka} profile as the load harness runs it ({@code postgres,kafka}), on a
 * real KRaft broker and PostgreSQL: every request's event goes through the topic and the ledger
 * consumer of the same app into the ledger, once, and the health endpoint reports the consumer's
 * lag, which the harness waits to see at 0 before it counts the ledger.
 */
class SampleKafkaProfileTests {

	private static KafkaBroker broker;

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void startBroker() {
		broker = KafkaBroker.start();
	}

	@AfterAll
	static void stopBroker() {
		broker.close();
	}

	@Test
	void withTheKafkaProfileEveryRequestReachesTheLedgerOnceThroughTheTopic() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema();
				// Command-line arguments, as the load harness passes them: they win over the profiles' files.
				ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class)
					.run("--spring.profiles.active=postgres,kafka", "--server.port=0",
							"--spring.datasource.url=" + TestDatabase.POSTGRESQL.jdbcUrl(),
							"--metering.jdbc.initialize-schema=never", "--metering.jdbc.table-prefix=" + schema.prefix(),
							"--spring.kafka.bootstrap-servers=" + broker.bootstrapServers(),
							"--metering.kafka.topic=sample-" + UUID.randomUUID())) {
			assertThat(app.getBeansOfType(KafkaLedgerSink.class)).hasSize(1);
			assertThat(app.getBeansOfType(LedgerConsumer.class)).hasSize(1);
			int port = ((WebServerApplicationContext) app).getWebServer().getPort();
			String tenant = "kafka-" + UUID.randomUUID();
			int answered = ping(port, tenant, 4, 250);
			assertThat(answered).isEqualTo(1_000);
			// A batch counts as written once the consumers' committed offsets pass it: then it is in the ledger.
			assertThat(app.getBean(BufferedLedgerWriter.class).flush(Duration.ofMinutes(2))).isTrue();
			String rowsOfTenant = "SELECT COUNT(*) FROM " + schema.prefix() + "usage_event WHERE tenant_id = ?";
			assertThat(schema.jdbc().queryForObject(rowsOfTenant, Long.class, tenant)).isEqualTo(1_000);
			assertThat(schema.jdbc().queryForObject("SELECT COUNT(DISTINCT event_id) FROM " + schema.prefix()
					+ "usage_event WHERE tenant_id = ?", Long.class, tenant)).isEqualTo(1_000);
			String health = get(port, "/actuator/health/meteringLedgerConsumer");
			assertThat(health).contains("\"status\":\"UP\"").contains("\"lag\":0");
			assertThat(app.getBean(LedgerConsumer.class).stats().written()).isGreaterThanOrEqualTo(1_000);
		}
	}

	/** {@code threads} callers, {@code each} requests apiece; the number answered 200. */
	private int ping(int port, String tenant, int threads, int each) throws Exception {
		ExecutorService callers = Executors.newFixedThreadPool(threads);
		try {
			List<Future<Integer>> answers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				answers.add(callers.submit(() -> {
					int ok = 0;
					for (int i = 0; i < each; i++) {
						HttpResponse<String> response = this.http.send(
								HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/ping"))
									.header("X-Tenant-Id", tenant)
									.build(),
								HttpResponse.BodyHandlers.ofString());
						ok += (response.statusCode() == 200) ? 1 : 0;
					}
					return ok;
				}));
			}
			int ok = 0;
			for (Future<Integer> answer : answers) {
				ok += answer.get(2, TimeUnit.MINUTES);
			}
			return ok;
		}
		finally {
			callers.shutdownNow();
		}
	}

	private String get(int port, String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString()).body();
	}

}
