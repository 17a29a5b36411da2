package dev.metering.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code POST /api/events/{id}/void} and {@code /correct}: a compensating ledger row per change,
 * the same answer without a new row when repeated, the billing report at the corrected usage, and
 * problems naming the field for bad input (400), another tenant's event (403), an unknown event
 * (404) and a voided event's correction (409), each changing nothing.
 */
@SpringBootTest(classes = UsageApiTests.TestApplication.class, properties = {
		"spring.datasource.url=jdbc:h2:mem:event-corrections-api-tests;DB_CLOSE_DELAY=-1",
		"metering.writer.flush-interval=10ms", "metering.rollup.enabled=false", "metering.api.enabled=true",
		"metering.api.auth=local", "metering.billing.correction-wait=100ms", "metering.default-plan=pro",
		"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000000",
		"metering.billing.plans.pro.currency=EUR", "metering.billing.plans.pro.prices[0].meter=api.calls",
		"metering.billing.plans.pro.prices[0].unit-price=0.01" })
class EventCorrectionsApiTests {

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private BufferedLedgerWriter writer;

	@Autowired
	private UsageRecorder recorder;

	@Autowired
	private JdbcTemplate jdbc;

	private MockMvc mvc;

	@BeforeEach
	void setUp() {
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).build();
		this.jdbc.update("DELETE FROM metering_usage_event");
		this.jdbc.update("DELETE FROM metering_quota_audit");
	}

	@Test
	void voidAndCorrectAppendOneRowEachAndTheReportSeesTheCorrectedUsage() throws Exception {
		UUID first = record("acme", "250");
		UUID second = record("acme", "100");
		post("/api/events/" + first + "/void", "{\"tenant_id\":\"acme\",\"reason\":\"test traffic\"}").andExpect(status().isOk())
			.andExpect(jsonPath("$.status").value("voided"))
			.andExpect(jsonPath("$.previous_quantity").value(250))
			.andExpect(jsonPath("$.quantity").value(0))
			.andExpect(jsonPath("$.adjustment").value(false))
			.andExpect(jsonPath("$.correction_id").isString());
		post("/api/events/" + first + "/void", "{\"tenant_id\":\"acme\"}").andExpect(status().isOk())
			.andExpect(jsonPath("$.status").value("unchanged"))
			.andExpect(jsonPath("$.correction_id").doesNotExist());
		post("/api/events/" + second + "/correct", "{\"tenant_id\":\"acme\",\"quantity\":40,\"actor\":\"finance\"}")
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.status").value("corrected"))
			.andExpect(jsonPath("$.quantity").value(40));
		assertThat(rows()).isEqualTo(4);
		assertThat(this.jdbc.queryForList("SELECT actor FROM metering_quota_audit ORDER BY id", String.class))
			.containsExactly("api", "finance");
		post("/api/billing-report", "{\"tenant_id\":\"acme\"}").andExpect(status().isOk())
			.andExpect(jsonPath("$.lines[0].quantity").value(40))
			.andExpect(jsonPath("$.lines[0].amount").value("0.40"))
			.andExpect(jsonPath("$.adjustments").isEmpty());
	}

	@Test
	void refusalsNameTheFieldAndChangeNothing() throws Exception {
		UUID event = record("acme", "10");
		problem(post("/api/events/" + event + "/void", "{\"tenant_id\":\"globex\"}"), 403, "id");
		problem(post("/api/events/" + UUID.randomUUID() + "/void", "{\"tenant_id\":\"acme\"}"), 404, "id");
		problem(post("/api/events/not-a-uuid/void", "{\"tenant_id\":\"acme\"}"), 400, "id");
		problem(post("/api/events/" + event + "/void", "{}"), 400, "tenant_id");
		problem(post("/api/events/" + event + "/correct", "{\"tenant_id\":\"acme\"}"), 400, "quantity");
		problem(post("/api/events/" + event + "/correct", "{\"tenant_id\":\"acme\",\"quantity\":-1}"), 400, "quantity");
		problem(post("/api/events/" + event + "/correct", "{\"tenant_id\":\"acme\",\"quantity\":1.0000000001}"), 400,
				"quantity");
		problem(post("/api/events/" + event + "/void", "{\"tenant_id\":\"acme\",\"quantity\":1}"), 400, "quantity");
		assertThat(rows()).isEqualTo(1);
		post("/api/events/" + event + "/void", "{\"tenant_id\":\"acme\"}").andExpect(status().isOk());
		problem(post("/api/events/" + event + "/correct", "{\"tenant_id\":\"acme\",\"quantity\":5}"), 409, "id");
		assertThat(rows()).isEqualTo(2);
	}

	private void problem(ResultActions result, int status, String field) throws Exception {
		result.andExpect(status().is(status))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value(field));
	}

	private ResultActions post(String path, String body) throws Exception {
		return this.mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post(path)
			.contentType(MediaType.APPLICATION_JSON)
			.content(body));
	}

	private UUID record(String tenant, String quantity) {
		UsageEvent event = UsageEvent.builder(tenant, "api.calls")
			.quantity(new BigDecimal(quantity))
			.occurredAt(Instant.now().truncatedTo(ChronoUnit.SECONDS))
			.build();
		this.recorder.record(event);
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		return event.eventId();
	}

	private long rows() {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class);
		return (count != null) ? count : 0;
	}

}
