package dev.metering.api;

import java.time.Duration;
import java.util.StringJoiner;

import com.jayway.jsonpath.JsonPath;
import dev.metering.ledger.BufferedLedgerWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch the writer's buffer cannot take whole ({@code capacity=1}, {@code overflow=drop}) is
 * never answered as recorded: 503 with {@code Retry-After}, and the number the answer names as
 * recorded is the number of rows the ledger gets.
 */
@SpringBootTest(classes = UsageApiDropTests.TestApplication.class, properties = {
		"spring.datasource.url=jdbc:h2:mem:usage-api-drop-tests;DB_CLOSE_DELAY=-1", "metering.rollup.enabled=false",
		"metering.api.enabled=true", "metering.api.auth=api-key", "metering.api.api-key=s3cret",
		"metering.api.max-batch-size=1000", "metering.api.max-body-size=1MB", "metering.writer.capacity=1",
		"metering.writer.overflow=drop", "metering.writer.flush-interval=10ms", "metering.tenants.acme.plan=pro",
		"metering.plans.pro.quotas[0].meter=other", "metering.plans.pro.quotas[0].limit=1000000",
		"metering.plans.pro.quotas[0].window=month", "metering.plans.pro.quotas[0].enforcement=monitor" })
class UsageApiDropTests {

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private BufferedLedgerWriter writer;

	@Autowired
	private JdbcTemplate jdbc;

	private MockMvc mvc;

	@BeforeEach
	void setUp() {
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).build();
		this.jdbc.update("DELETE FROM metering_usage_event");
	}

	@Test
	void aBatchTheBufferCannotTakeIsNotAnsweredAsRecorded() throws Exception {
		StringJoiner batch = new StringJoiner(",", "[", "]");
		for (int i = 0; i < 1000; i++) {
			batch.add("{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u-" + i + "\"}");
		}
		MockHttpServletResponse response = post(batch.toString());

		assertThat(response.getStatus()).isEqualTo(503);
		assertThat(response.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		assertThat(response.getHeader("Retry-After")).isNotBlank();
		String body = response.getContentAsString();
		int recorded = JsonPath.<Integer>read(body, "$.recorded");
		int notRecorded = JsonPath.<Integer>read(body, "$.not_recorded");
		assertThat(recorded).isLessThan(1000);
		assertThat(recorded + notRecorded).isEqualTo(1000);
		assertThat(JsonPath.<Integer>read(body, "$.first_not_recorded")).isEqualTo(recorded);
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class))
			.isEqualTo(recorded);
	}

	@Test
	void aSingleEventTheBufferCannotTakeGets503() throws Exception {
		// Fill the buffer faster than the writer drains it, then one more event alone.
		int refused = 0;
		int taken = 0;
		for (int i = 0; i < 200 && refused == 0; i++) {
			MockHttpServletResponse response = post(
					"{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u\"}");
			if (response.getStatus() == 503) {
				refused++;
				assertThat(response.getHeader("Retry-After")).isNotBlank();
				assertThat(JsonPath.<Integer>read(response.getContentAsString(), "$.recorded")).isZero();
			}
			else {
				assertThat(response.getStatus()).isEqualTo(201);
				taken++;
			}
		}
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class))
			.isEqualTo(taken);
	}

	private MockHttpServletResponse post(String body) throws Exception {
		return this.mvc
			.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post("/api/events")
				.header("X-Api-Key", "s3cret")
				.contentType(MediaType.APPLICATION_JSON)
				.content(body))
			.andReturn()
			.getResponse();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

}
