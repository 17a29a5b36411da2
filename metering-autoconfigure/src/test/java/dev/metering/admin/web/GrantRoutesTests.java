package dev.metering.admin.web;

import java.time.Duration;

import javax.sql.DataSource;

import dev.metering.admin.MeteringAdmin;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringAdminWebAutoConfiguration;
import dev.metering.autoconfigure.MeteringApiAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringEntitlementAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Grants through the admin REST API: created (bad input is a 400 naming the field and writes
 * nothing), listed with their balances, voided, audited; a grant-backed meter refuses beyond
 * the grant; the balances answer in {@code GET /api/entitlements/{tenant}}.
 */
class GrantRoutesTests {

	private static final String KEY = "local-admin-key-0123456789";

	private static final String BASE = "/metering/admin";

	@Test
	void grantsThroughHttp() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants", "{\"meter\":\"api.calls\",\"amount\":-5}"))
					.andExpect(status().isBadRequest())
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
					.andExpect(jsonPath("$.field").value("amount"));
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants", "{\"meter\":\"API CALLS\",\"amount\":5}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("meter"));
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants",
						"{\"meter\":\"api.calls\",\"amount\":5,\"expires_at\":\"next week\"}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("expires_at"));
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants",
						"{\"meter\":\"api.calls\",\"amount\":5,\"effective_at\":\"2026-12-01T00:00:00Z\","
								+ "\"expires_at\":\"2026-11-01T00:00:00Z\"}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("expires_at"));
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants", "{\"meter\":\"api.calls\",\"amount\":5,\"colour\":1}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("colour"));
				mvc.perform(plain(HttpMethod.POST, "/tenants/acme/grants", "{\"meter\":\"api.calls\",\"amount\":5}"))
					.andExpect(status().isUnauthorized());
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants",
						"{\"meter\":\"api.calls\",\"amount\":5,\"recurrence\":\"month\",\"rollover\":{}}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("rollover.max_amount"));
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants",
						"{\"meter\":\"api.calls\",\"amount\":5,\"rollover\":{\"max_amount\":2}}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("rollover.max_amount"));
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants",
						"{\"meter\":\"api.calls\",\"amount\":5,\"recurrence\":\"month\","
								+ "\"expires_at\":\"2027-01-01T00:00:00Z\"}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("expires_at"));
				assertThat(rows(schema)).isZero();
				assertThat(allowed(context)).as("a grant-backed meter without grants").isFalse();

				MvcResult created = mvc
					.perform(key(HttpMethod.POST, "/tenants/acme/grants",
							"{\"meter\":\"api.calls\",\"amount\":3,\"priority\":1,\"description\":\"order 17\"}"))
					.andExpect(status().isCreated())
					.andExpect(jsonPath("$.tenant_id").value("acme"))
					.andExpect(jsonPath("$.amount").value(3))
					.andExpect(jsonPath("$.priority").value(1))
					.andReturn();
				String id = created.getResponse().getContentAsString().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
				assertThat(rows(schema)).isOne();

				for (int i = 0; i < 3; i++) {
					assertThat(allowed(context)).isTrue();
				}
				assertThat(allowed(context)).as("beyond the grant").isFalse();
				assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();

				mvc.perform(key(HttpMethod.GET, "/tenants/acme/grants", null))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[0].meter").value("api.calls"))
					.andExpect(jsonPath("$[0].grant_backed").value("hard"))
					.andExpect(jsonPath("$[0].balance").value(0))
					.andExpect(jsonPath("$[0].grants[0].id").value(id))
					.andExpect(jsonPath("$[0].grants[0].used").value(3))
					.andExpect(jsonPath("$[0].grants[0].state").value("depleted"));
				mvc.perform(get("/api/entitlements/acme").header("X-Api-Key", "s3cret"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$['balances']['api.calls'].grant_backed").value("hard"))
					.andExpect(jsonPath("$['balances']['api.calls'].balance").value(0))
					.andExpect(jsonPath("$['balances']['api.calls'].grants[0].remaining").value(0))
					.andExpect(jsonPath("$['metered']['api.calls'][0].remaining").value(0));

				mvc.perform(key(HttpMethod.DELETE, "/grants/" + id, null))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.state").value("voided"))
					.andExpect(jsonPath("$.voided_at").isString());
				mvc.perform(key(HttpMethod.DELETE, "/grants/" + id, null)).andExpect(status().isNotFound());
				assertThat(context.getBean(MeteringAdmin.class).audit("tenant:acme/grant/", 10))
					.extracting((entry) -> entry.action())
					.containsExactly("void-grant", "create-grant");

				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants",
						"{\"meter\":\"api.calls\",\"amount\":500,\"recurrence\":\"month\",\"rollover\":{\"max_amount\":200}}"))
					.andExpect(status().isCreated())
					.andExpect(jsonPath("$.recurrence").value("month"))
					.andExpect(jsonPath("$.rollover_max").value(200))
					.andExpect(jsonPath("$.carried").value(0))
					.andExpect(jsonPath("$.expires_at").isString());
			});
		}
	}

	private static boolean allowed(org.springframework.context.ApplicationContext context) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		QuotaDecision decision = quotas.check("acme", "api.calls", 1);
		if (decision.allowed()) {
			decision.reservation().record(context.getBean(UsageRecorder.class), UsageEvent.builder("acme", "api.calls").build());
		}
		return decision.allowed();
	}

	private static long rows(TestSchema schema) {
		Long count = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "grant", Long.class);
		return (count != null) ? count : 0;
	}

	private static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringBillingAutoConfiguration.class, MeteringEntitlementAutoConfiguration.class,
					MeteringApiAutoConfiguration.class, MeteringAdminWebAutoConfiguration.class,
					JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
					WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=h2", "metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.plans.prepaid.grant-backed[api.calls]=hard", "metering.admin.web.enabled=true",
					"metering.admin.web.api-key=" + KEY, "metering.api.enabled=true", "metering.api.auth=api-key",
					"metering.api.api-key=s3cret");
	}

	private static MockHttpServletRequestBuilder key(HttpMethod method, String path, String body) {
		return plain(method, path, body).header(AdminApiSettings.API_KEY_HEADER, KEY);
	}

	private static MockHttpServletRequestBuilder plain(HttpMethod method, String path, String body) {
		MockHttpServletRequestBuilder request = request(method, BASE + path);
		return (body != null) ? request.contentType(MediaType.APPLICATION_JSON).content(body) : request;
	}

}
