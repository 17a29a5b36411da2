package dev.metering.api;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.tenant.TenantResolver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultMatcher;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * With the caller's tenant as the rule (what Spring Security's presence selects), for every way
 * the application resolves request tenants (header, principal, its own resolver): the caller's
 * own tenant comes from its authentication (the {@code TENANT_<id>} authority), never from the
 * request, so a caller of one tenant is refused another tenant's routes with 403 whatever
 * headers it sends, and a user name equal to another tenant's id gives no rights. The admin
 * authority {@code METERING_ADMIN} acts for any tenant; an anonymous caller gets 401. The
 * principal is Spring Security's {@code Authentication}, as its request wrapper provides it.
 */
@SpringBootTest(classes = UsageApiTests.TestApplication.class,
		properties = { "spring.datasource.url=jdbc:h2:mem:usage-api-access-tests;DB_CLOSE_DELAY=-1",
				"metering.writer.flush-interval=10ms", "metering.rollup.enabled=false", "metering.api.enabled=true",
				"metering.api.auth=principal", "metering.default-plan=pro",
				"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000",
				"metering.billing.plans.pro.currency=EUR", "metering.billing.plans.pro.prices[0].meter=api.calls",
				"metering.billing.plans.pro.prices[0].unit-price=0.01", "metering.meters[0].name=ce.calls",
				"metering.meters[0].aggregation=sum", "metering.meters[0].event-type=ce.call" })
class UsageApiTenantAccessTests {

	@Nested
	@TestPropertySource(properties = { "metering.web.tenant-source=header", "metering.web.trust-all-clients=true" })
	class HeaderTenants extends Cases {

	}

	@Nested
	@TestPropertySource(properties = "metering.web.tenant-source=principal")
	class PrincipalTenants extends Cases {

	}

	@Nested
	@Import(HeaderReadingResolver.class)
	class OwnResolver extends Cases {

	}

	abstract static class Cases {

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
		void aCallerOfOneTenantIsRefusedEveryRouteOfAnotherWhateverHeadersItSends() throws Exception {
			UsernamePasswordAuthenticationToken alice = user("alice", "TENANT_acme");
			for (MockHttpServletRequestBuilder request : routes("globex")) {
				this.mvc.perform(forged(request).principal(alice))
					.andExpect(status().isForbidden())
					.andExpect(jsonPath("$.field").exists());
			}
			// A batch with one foreign event is refused whole.
			this.mvc.perform(forged(post("/api/events")).principal(alice)
				.contentType(MediaType.APPLICATION_JSON)
				.content("[" + event("acme") + "," + event("globex") + "]")).andExpect(status().isForbidden());
			this.mvc.perform(forged(post("/api/events")).principal(alice)
				.contentType("application/cloudevents-batch+json")
				.content("[" + cloudEvent("acme") + "," + cloudEvent("globex") + "]")).andExpect(status().isForbidden());
			for (MockHttpServletRequestBuilder request : routes("acme")) {
				this.mvc.perform(forged(request).principal(alice)).andExpect(success());
			}
			assertThat(ledgerTenants()).containsExactly("acme");
		}

		@Test
		void aUserNameEqualToAnotherTenantGivesNoRightsOverIt() throws Exception {
			UsernamePasswordAuthenticationToken globexByName = user("globex", "ROLE_USER");
			for (MockHttpServletRequestBuilder request : routes("globex")) {
				this.mvc.perform(request.principal(globexByName)).andExpect(status().isForbidden());
			}
			assertThat(ledgerTenants()).isEmpty();
		}

		@Test
		void theAdminAuthorityActsForAnyTenantAndARoleOfTheSameNameDoesNot() throws Exception {
			for (MockHttpServletRequestBuilder request : routes("globex")) {
				this.mvc.perform(request.principal(user("operator", "METERING_ADMIN"))).andExpect(success());
			}
			for (MockHttpServletRequestBuilder request : routes("globex")) {
				this.mvc.perform(request.principal(user("operator", "ROLE_METERING_ADMIN")))
					.andExpect(status().isForbidden());
			}
			assertThat(ledgerTenants()).containsExactly("globex");
		}

		@Test
		void anAnonymousCallerIsUnauthorized() throws Exception {
			for (MockHttpServletRequestBuilder request : routes("acme")) {
				this.mvc.perform(forged(request)).andExpect(status().isUnauthorized());
			}
			assertThat(ledgerTenants()).isEmpty();
		}

		/** Every usage route, for one tenant. */
		private static List<MockHttpServletRequestBuilder> routes(String tenant) {
			return Arrays.asList(post("/api/events").contentType(MediaType.APPLICATION_JSON).content(event(tenant)),
					post("/api/events").contentType("application/cloudevents+json").content(cloudEvent(tenant)),
					get("/api/usage/" + tenant + "/api.calls"), get("/api/usage/" + tenant + "/api.calls/top-users"),
					get("/api/quota/" + tenant + "/api.calls"), get("/api/invoices/" + tenant),
					post("/api/billing-report").contentType(MediaType.APPLICATION_JSON)
						.content("{\"tenant_id\":\"" + tenant + "\"}"));
		}

		/** Every header a caller could try to name the other tenant or a trusted address with. */
		private static MockHttpServletRequestBuilder forged(MockHttpServletRequestBuilder request) {
			return request.header("X-Tenant-Id", "globex")
				.header("X-Forwarded-For", "10.9.9.9")
				.header("Forwarded", "for=10.9.9.9")
				.header("X-Api-Key", "anything");
		}

		private static ResultMatcher success() {
			return (result) -> assertThat(result.getResponse().getStatus()).as(result.getResponse().getContentAsString())
				.isBetween(200, 299);
		}

		private static UsernamePasswordAuthenticationToken user(String name, String... authorities) {
			return UsernamePasswordAuthenticationToken.authenticated(name, null,
					Arrays.stream(authorities).map(SimpleGrantedAuthority::new).toList());
		}

		private static String event(String tenant) {
			return "{\"tenant_id\":\"" + tenant + "\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u-1\"}";
		}

		private static String cloudEvent(String tenant) {
			return "{\"specversion\":\"1.0\",\"id\":\"" + java.util.UUID.randomUUID() + "\",\"source\":\"test\","
					+ "\"type\":\"ce.call\",\"subject\":\"" + tenant + "\"}";
		}

		private List<String> ledgerTenants() {
			assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
			return this.jdbc.queryForList("SELECT DISTINCT tenant_id FROM metering_usage_event WHERE meter IN "
					+ "('api.calls', 'ce.calls')", String.class);
		}

	}

	/** An application's own resolver that, like a subdomain, reads what the client sends. */
	@TestConfiguration(proxyBeanMethods = false)
	static class HeaderReadingResolver {

		@Bean
		TenantResolver headerReadingResolver() {
			return (request) -> request.getHeader("X-Tenant-Id");
		}

	}

}
