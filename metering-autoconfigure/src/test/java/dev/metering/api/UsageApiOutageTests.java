package dev.metering.api;

import java.time.Duration;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.jayway.jsonpath.JsonPath;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.test.FaultyDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage API while the database is down or hangs: an idempotent POST answers within a second
 * without a request thread waiting for a connection, and under the default {@code block} overflow
 * policy a full buffer answers 503 after {@code block-timeout}, never "recorded" for an event the
 * ledger will not get.
 */
@SpringBootTest(classes = UsageApiOutageTests.TestApplication.class, properties = {
		"metering.rollup.enabled=false", "metering.api.enabled=true", "metering.api.auth=api-key",
		"metering.api.api-key=s3cret", "metering.writer.capacity=20", "metering.writer.block-timeout=200ms",
		"metering.writer.flush-interval=10ms", "metering.writer.retry.max-backoff=100ms",
		"metering.api.idempotency-lookup-timeout=300ms", "metering.tenants.acme.plan=pro",
		"metering.plans.pro.quotas[0].meter=other", "metering.plans.pro.quotas[0].limit=1000000",
		"metering.plans.pro.quotas[0].window=month", "metering.plans.pro.quotas[0].enforcement=monitor" })
class UsageApiOutageTests {

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private BufferedLedgerWriter writer;

	@Autowired
	private FaultyDataSource dataSource;

	private JdbcTemplate jdbc;

	private MockMvc mvc;

	@BeforeEach
	void setUp() {
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).build();
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.jdbc.update("DELETE FROM metering_usage_event");
	}

	@AfterEach
	void heal() {
		this.dataSource.mode(FaultyDataSource.Mode.NORMAL);
		assertThat(this.writer.flush(Duration.ofSeconds(20))).isTrue();
	}

	@Test
	void anIdempotentPostAnswersWithinASecondWhileTheDatabaseHangs() throws Exception {
		String body = batch(3, "order-");
		// The tenant was served before the outage: what the kit keeps in memory of it is warm.
		assertThat(post(batch(1, null)).getStatus()).isEqualTo(201);
		assertThat(this.writer.flush(Duration.ofSeconds(20))).isTrue();
		this.dataSource.mode(FaultyDataSource.Mode.BLOCK);

		long started = System.nanoTime();
		MockHttpServletResponse response = CompletableFuture.supplyAsync(() -> post(body)).get(5, TimeUnit.SECONDS);
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

		assertThat(millis).isLessThan(1000);
		assertThat(response.getStatus()).isEqualTo(202);
		String json = response.getContentAsString();
		assertThat(JsonPath.<Integer>read(json, "$.accepted")).isEqualTo(3);
		assertThat(JsonPath.<String>read(json, "$.events[0].status")).isEqualTo("accepted");
		// A second POST while the look-up threads still wait for a connection answers as fast.
		started = System.nanoTime();
		assertThat(CompletableFuture.supplyAsync(() -> post(body)).get(5, TimeUnit.SECONDS).getStatus())
			.isEqualTo(202);
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(1000);

		this.dataSource.mode(FaultyDataSource.Mode.NORMAL);
		assertThat(this.writer.flush(Duration.ofSeconds(20))).isTrue();
		// Both copies were taken; the ledger keeps each key once.
		assertThat(count()).isEqualTo(1 + 3);
		MockHttpServletResponse retry = post(body);
		assertThat(retry.getStatus()).isEqualTo(200);
		assertThat(JsonPath.<Integer>read(retry.getContentAsString(), "$.duplicates")).isEqualTo(3);
	}

	@Test
	void aFullBufferDuringAnOutageAnswers503AfterTheBlockTimeout() throws Exception {
		this.dataSource.mode(FaultyDataSource.Mode.FAIL);
		int recorded = 0;
		MockHttpServletResponse refused = null;
		// How many events the writer takes into its batch before its first failed write depends on
		// when its thread runs (a loaded machine: more); the buffer fills behind the held batch.
		for (int i = 0; i < 200 && refused == null; i++) {
			long started = System.nanoTime();
			MockHttpServletResponse response = post(batch(5, null));
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
			assertThat(millis).isLessThan(1000);
			if (response.getStatus() == 503) {
				refused = response;
				assertThat(millis).isGreaterThanOrEqualTo(190);
			}
			else {
				assertThat(response.getStatus()).isEqualTo(201);
				recorded += 5;
			}
		}
		assertThat(refused).isNotNull();
		assertThat(refused.getHeader("Retry-After")).isNotBlank();
		int taken = JsonPath.<Integer>read(refused.getContentAsString(), "$.recorded");
		assertThat(JsonPath.<Integer>read(refused.getContentAsString(), "$.not_recorded")).isEqualTo(5 - taken);

		this.dataSource.mode(FaultyDataSource.Mode.NORMAL);
		assertThat(this.writer.flush(Duration.ofSeconds(20))).isTrue();
		assertThat(count()).isEqualTo(recorded + taken);
	}

	private long count() {
		return this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class);
	}

	private static String batch(int events, String keyPrefix) {
		StringJoiner batch = new StringJoiner(",", "[", "]");
		for (int i = 0; i < events; i++) {
			batch.add("{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u\""
					+ ((keyPrefix != null) ? ",\"idempotency_key\":\"" + keyPrefix + i + "\"" : "") + "}");
		}
		return batch.toString();
	}

	private MockHttpServletResponse post(String body) {
		try {
			return this.mvc
				.perform(MockMvcRequestBuilders.post("/api/events")
					.header("X-Api-Key", "s3cret")
					.contentType(MediaType.APPLICATION_JSON)
					.content(body))
				.andReturn()
				.getResponse();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		FaultyDataSource dataSource() {
			DataSource h2 = new DriverManagerDataSource("jdbc:h2:mem:usage-api-outage-tests;DB_CLOSE_DELAY=-1");
			return new FaultyDataSource(h2);
		}

	}

}
