package dev.metering.api;

import dev.metering.admin.web.AdminApiSettings;
import jakarta.servlet.Filter;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.Granularity;
import dev.metering.billing.UsageSummaryService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The bodies of both APIs as their clients read them, whatever the application's own Jackson
 * settings (here: nulls left out): snake_case names, nulls written,
 * quantities as plain numbers. Refusals are Spring's {@code ErrorResponseException}s, so an
 * application's {@link ApiAccess} can answer with headers of its own, and a failure nobody
 * expected is a problem that quotes nothing of it.
 */
@SpringBootTest(classes = ApiBodiesTests.TestApplication.class, properties = {
		"spring.datasource.url=jdbc:h2:mem:api-bodies-tests;DB_CLOSE_DELAY=-1", "metering.rollup.enabled=false",
		"metering.api.enabled=true", "metering.admin.web.enabled=true",
		"metering.admin.web.api-key=" + ApiBodiesTests.ADMIN_KEY, "metering.tenants.acme.plan=pro",
		"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000",
		"metering.plans.pro.quotas[0].window=month",
		"spring.jackson.default-property-inclusion=non_null", "logging.level.dev.metering=OFF" })
class ApiBodiesTests {

	static final String ADMIN_KEY = "admin-key-0123456789abcdef";

	static final String SECRET = "jdbc:postgresql://db.internal/billing?password=hunter2";

	@Autowired
	private WebApplicationContext context;

	private MockMvc mvc;

	@BeforeEach
	void setUp() {
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).build();
	}

	@Test
	void anApplicationsApiAccessAnswersWithItsOwnHeaders() throws Exception {
		this.mvc.perform(get("/api/quota/acme/api.calls"))
			.andExpect(status().isUnauthorized())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"metering\""))
			.andExpect(jsonPath("$.field").value("authorization"))
			.andExpect(jsonPath("$.detail").value("a bearer token is required"));
	}

	@Test
	void anUnexpectedFailureIsAProblemThatQuotesNothingOfIt() throws Exception {
		String body = this.mvc.perform(get("/api/usage/acme/api.calls").header("Authorization", "Bearer t"))
			.andExpect(status().isInternalServerError())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.status").value(500))
			.andReturn()
			.getResponse()
			.getContentAsString();
		assertThat(body).doesNotContain("hunter2").doesNotContain("db.internal");
	}

	@Test
	void theAdminApiAnswersLimitsAsPlainNumbers() throws Exception {
		this.mvc.perform(post("/metering/admin/plans").header(AdminApiSettings.API_KEY_HEADER, ADMIN_KEY)
			.contentType(MediaType.APPLICATION_JSON)
			.content("{\"name\":\"team\"}")).andExpect(status().isCreated());
		this.mvc
			.perform(put("/metering/admin/plans/team/quotas").header(AdminApiSettings.API_KEY_HEADER, ADMIN_KEY)
				.contentType(MediaType.APPLICATION_JSON)
				.content("{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1000.00}"))
			.andExpect(status().isOk())
			.andExpect(content().string(org.hamcrest.Matchers.containsString("\"limit\":1000,")))
			.andExpect(jsonPath("$[0].soft_threshold").hasJsonPath());
	}

	@Test
	void theAdminApiChecksTheCallerBeforeItReadsTheBody() throws Exception {
		this.mvc.perform(put("/metering/admin/tenants/acme/quotas").contentType(MediaType.APPLICATION_JSON)
			.content("{\"limit\":"))
			.andExpect(status().isUnauthorized())
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "ApiKey header=\"X-Metering-Admin-Key\""))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
	}

	@Test
	void theMeteringEndpointRefusesOtherCallersWithTheAdminApisProblem() throws Exception {
		Filter filter = this.context.getBean("meteringEndpointAccessFilter", FilterRegistrationBean.class).getFilter();
		MockMvc guarded = MockMvcBuilders.webAppContextSetup(this.context).addFilters(filter).build();
		guarded.perform(get("/actuator/metering"))
			.andExpect(status().isUnauthorized())
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "ApiKey header=\"X-Metering-Admin-Key\""))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.status").value(401))
			.andExpect(jsonPath("$.detail").value("The admin API needs an authenticated caller"));
	}

	@Test
	void theAdminApiAnswersJsonWhateverTheCallerAccepts() throws Exception {
		this.mvc.perform(get("/metering/admin/tenants/acme/quotas").header(AdminApiSettings.API_KEY_HEADER, ADMIN_KEY)
			.accept(MediaType.parseMediaType("text/csv")))
			.andExpect(status().isOk())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
			.andExpect(jsonPath("$.tenant_id").value("acme"));
	}

	@Test
	void theAdminApiTakesNoNumberAsAString() throws Exception {
		this.mvc.perform(put("/metering/admin/tenants/acme/quotas").header(AdminApiSettings.API_KEY_HEADER, ADMIN_KEY)
			.contentType(MediaType.APPLICATION_JSON)
			.content("{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":\"5\"}"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("limit"))
			.andExpect(jsonPath("$.detail").value("must be a number"));
	}

	@Test
	void theAdminApiAnswersInSnakeCaseWithNulls() throws Exception {
		this.mvc
			.perform(put("/metering/admin/tenants/acme/quotas").header(AdminApiSettings.API_KEY_HEADER, ADMIN_KEY)
				.contentType(MediaType.APPLICATION_JSON)
				.content("{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1000}"))
			.andExpect(status().isOk())
			.andExpect(content().string(org.hamcrest.Matchers.containsString("\"limit\":1000,")))
			.andExpect(jsonPath("$.tenant_id").value("acme"))
			.andExpect(jsonPath("$.plan_origin").value("configuration"))
			.andExpect(jsonPath("$.quotas[0].soft_threshold").hasJsonPath())
			.andExpect(jsonPath("$.quotas[0].soft_threshold").isEmpty());
	}

	@Test
	void theUsageApiAnswersInSnakeCaseWithNulls() throws Exception {
		this.mvc.perform(get("/api/quota/acme/api.calls").header("Authorization", "Bearer t"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.tenant_id").value("acme"))
			.andExpect(jsonPath("$.usage_known").value(true))
			.andExpect(jsonPath("$.policies[0].next_unit_allowed").value(true))
			.andExpect(jsonPath("$.policies[0].window_start").isString())
			.andExpect(content().string(org.hamcrest.Matchers.containsString("\"limit\":1000,")));
	}

	/** An application that names its own JSON in another case: the kit's answers keep theirs. */
	@Nested
	@TestPropertySource(properties = "spring.jackson.property-naming-strategy=UPPER_CAMEL_CASE")
	class UnderAnotherNamingStrategy {

		@Test
		void problemsKeepTheirMemberNames() throws Exception {
			ApiBodiesTests.this.setUp();
			ApiBodiesTests.this.mvc.perform(get("/api/quota/acme/API").header("Authorization", "Bearer t"))
				.andExpect(status().isBadRequest())
				.andExpect(jsonPath("$.status").value(400))
				.andExpect(jsonPath("$.title").value("Bad Request"))
				.andExpect(jsonPath("$.detail").isString())
				.andExpect(jsonPath("$.field").value("metric"));
			ApiBodiesTests.this.mvc.perform(put("/metering/admin/tenants/acme").header(AdminApiSettings.API_KEY_HEADER, ADMIN_KEY)
				.contentType(MediaType.APPLICATION_JSON)
				.content("{\"exempt\":\"true\"}"))
				.andExpect(status().isBadRequest())
				.andExpect(jsonPath("$.status").value(400))
				.andExpect(jsonPath("$.field").value("exempt"));
		}

		@Test
		void bodiesKeepTheirSnakeCase() throws Exception {
			theUsageApiAnswersInSnakeCaseWithNulls();
			theAdminApiAnswersInSnakeCaseWithNulls();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

		/** An application's own rule: a bearer token, answered with the challenge its clients expect. */
		@Bean
		ApiAccess bearerAccess() {
			return (request, tenant) -> {
				if (request.getHeader("Authorization") == null) {
					ApiException refused = new ApiException(HttpStatus.UNAUTHORIZED, "authorization",
							"a bearer token is required");
					refused.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"metering\"");
					throw refused;
				}
			};
		}

		/** Fails the usage route as a database might, with a message that must not reach the client. */
		@Bean
		UsageSummaryService failingSummaries() {
			UsageSummaryService summaries = mock(UsageSummaryService.class);
			given(summaries.summary(anyString(), eq("api.calls"), any(BillingPeriod.class), any(Granularity.class)))
				.willThrow(new IllegalStateException("cannot reach " + SECRET));
			return summaries;
		}

	}

}
