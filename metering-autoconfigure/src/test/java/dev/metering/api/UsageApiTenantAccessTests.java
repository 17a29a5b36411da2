package dev.metering.api;

import java.time.Duration;

import dev.metering.ledger.BufferedLedgerWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * With the caller's tenant as the rule (what Spring Security's presence selects): a caller of
 * one tenant is refused another tenant's routes with 403 and writes nothing there; the admin
 * role may act for any tenant; an anonymous caller gets 401. The principal and its roles come
 * through the servlet request, as Spring Security's request wrapper provides them.
 */
@SpringBootTest(classes = UsageApiTests.TestApplication.class,
		properties = { "spring.datasource.url=jdbc:h2:mem:usage-api-access-tests;DB_CLOSE_DELAY=-1",
				"metering.writer.flush-interval=10ms", "metering.rollup.enabled=false", "metering.api.enabled=true",
				"metering.api.auth=principal", "metering.web.tenant-source=principal", "metering.default-plan=pro",
				"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000",
				"metering.billing.plans.pro.currency=EUR", "metering.billing.plans.pro.prices[0].meter=api.calls",
				"metering.billing.plans.pro.prices[0].unit-price=0.01" })
class UsageApiTenantAccessTests {

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
	void aCallerActsForItsOwnTenantOnly() throws Exception {
		this.mvc.perform(as("acme", events("acme"))).andExpect(status().isCreated());
		this.mvc.perform(as("acme", events("globex")))
			.andExpect(status().isForbidden())
			.andExpect(jsonPath("$.field").value("tenant_id"));
		// A batch with one foreign event is refused whole.
		this.mvc.perform(as("acme", post("/api/events").contentType(MediaType.APPLICATION_JSON)
			.content("[" + event("acme") + "," + event("globex") + "]"))).andExpect(status().isForbidden());
		this.mvc.perform(as("acme", get("/api/usage/globex/api.calls"))).andExpect(status().isForbidden());
		this.mvc.perform(as("acme", get("/api/usage/globex/api.calls/top-users"))).andExpect(status().isForbidden());
		this.mvc.perform(as("acme", get("/api/quota/globex/api.calls"))).andExpect(status().isForbidden());
		this.mvc.perform(as("acme", post("/api/billing-report").contentType(MediaType.APPLICATION_JSON)
			.content("{\"tenant_id\":\"globex\"}"))).andExpect(status().isForbidden());
		this.mvc.perform(as("acme", get("/api/usage/acme/api.calls"))).andExpect(status().isOk());
		this.mvc.perform(as("acme", post("/api/billing-report").contentType(MediaType.APPLICATION_JSON)
			.content("{\"tenant_id\":\"acme\"}"))).andExpect(status().isOk());
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.queryForList("SELECT tenant_id FROM metering_usage_event", String.class))
			.containsExactly("acme");
	}

	@Test
	void theAdminRoleActsForAnyTenant() throws Exception {
		RequestPostProcessor admin = (request) -> {
			request.addUserRole("METERING_ADMIN");
			return request;
		};
		this.mvc.perform(as("operator", events("globex")).with(admin)).andExpect(status().isCreated());
		this.mvc.perform(as("operator", get("/api/quota/globex/api.calls")).with(admin)).andExpect(status().isOk());
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.queryForList("SELECT tenant_id FROM metering_usage_event", String.class))
			.containsExactly("globex");
	}

	@Test
	void anAnonymousCallerIsUnauthorized() throws Exception {
		this.mvc.perform(events("acme")).andExpect(status().isUnauthorized());
		this.mvc.perform(get("/api/usage/acme/api.calls")).andExpect(status().isUnauthorized());
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class)).isZero();
	}

	private static MockHttpServletRequestBuilder as(String user, MockHttpServletRequestBuilder request) {
		return request.principal(() -> user);
	}

	private static MockHttpServletRequestBuilder events(String tenant) {
		return post("/api/events").contentType(MediaType.APPLICATION_JSON).content(event(tenant));
	}

	private static String event(String tenant) {
		return "{\"tenant_id\":\"" + tenant + "\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u-1\"}";
	}

}
