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
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Money grants through the admin REST API: a bad currency, a negative amount, more decimals than
 * the currency has, a meter instead of meters, a hard grant-backed meter, a recurrence other than
 * a month, a rollover cap with more decimals than the currency or without a recurrence: each a
 * 400 naming the field, nothing written; a good one is created, audited, listed with its balance
 * in money, answers in the usage API's entitlements, pays the billing report (JSON and CSV) and
 * is voided; a recurring one with a rollover rule is created.
 */
class MoneyGrantRoutesTests {

	private static final String KEY = "local-admin-key-0123456789";

	private static final String BASE = "/metering/admin";

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void moneyGrantsThroughHttp(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				refused(mvc, "{\"currency\":\"EURO\",\"amount\":100}", "currency");
				refused(mvc, "{\"currency\":\"eur\",\"amount\":100}", "currency");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":-5}", "amount");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":1.234}", "amount");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":5,\"meter\":\"reports.pages\"}", "meter");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":5,\"meters\":[\"api.calls\"]}", "meters");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":5,\"meters\":[\"Reports Pages\"]}", "meters");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":5,\"recurrence\":\"week\"}", "recurrence");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":5,\"recurrence\":\"month\",\"rollover\":{\"max_amount\":1.005}}",
						"rollover.max_amount");
				refused(mvc, "{\"currency\":\"EUR\",\"amount\":5,\"rollover\":{\"max_amount\":1}}", "rollover.max_amount");
				refused(mvc, "{\"meter\":\"reports.pages\",\"amount\":5,\"meters\":[\"reports.pages\"]}", "meters");
				assertThat(rows(schema)).as("a refused grant writes nothing").isZero();

				MvcResult created = mvc
					.perform(key(HttpMethod.POST, "/tenants/acme/grants",
							"{\"currency\":\"EUR\",\"amount\":100.00,\"meters\":[\"reports.pages\"],\"priority\":2,"
									+ "\"description\":\"wallet top-up\"}"))
					.andExpect(status().isCreated())
					.andExpect(jsonPath("$.currency").value("EUR"))
					.andExpect(jsonPath("$.meters[0]").value("reports.pages"))
					.andExpect(jsonPath("$.meter").doesNotExist())
					.andExpect(jsonPath("$.amount").value(100))
					.andReturn();
				String id = created.getResponse().getContentAsString().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
				assertThat(context.getBean(MeteringAdmin.class).audit("tenant:acme/grant/", 10))
					.singleElement()
					.satisfies((entry) -> assertThat(entry.action()).isEqualTo("create-grant"))
					.satisfies((entry) -> assertThat(entry.newValue()).contains("currency=EUR", "meters=reports.pages",
							"amount=100"));

				context.getBean(UsageRecorder.class).record(UsageEvent.builder("acme", "reports.pages").quantity(10).build());
				assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();

				mvc.perform(key(HttpMethod.GET, "/tenants/acme/grants", null))
					.andExpect(status().isOk())
					// The meters' balances of units first (the hard grant-backed api.calls), then one per currency.
					.andExpect(jsonPath("$[0].meter").value("api.calls"))
					.andExpect(jsonPath("$[1].meter").doesNotExist())
					.andExpect(jsonPath("$[1].currency").value("EUR"))
					.andExpect(jsonPath("$[1].balance").value(95))
					.andExpect(jsonPath("$[1].grants[0].id").value(id))
					.andExpect(jsonPath("$[1].grants[0].used").value(5))
					.andExpect(jsonPath("$[1].grants[0].state").value("active"));
				mvc.perform(get("/api/entitlements/acme").header("X-Api-Key", "s3cret"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$['money_balances']['EUR'].balance").value("95.00"))
					.andExpect(jsonPath("$['money_balances']['EUR'].grants[0].remaining").value("95.00"))
					.andExpect(jsonPath("$['money_balances']['EUR'].grants[0].meters[0]").value("reports.pages"));
				mvc.perform(post("/api/billing-report").header("X-Api-Key", "s3cret")
						.contentType(MediaType.APPLICATION_JSON)
						.content("{\"tenant_id\":\"acme\"}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.subtotal").value("5.00"))
					.andExpect(jsonPath("$.lines[0].money_credits_applied").value("5.00"))
					.andExpect(jsonPath("$.money_credits[0].grant_id").value(id))
					.andExpect(jsonPath("$.money_credits_applied").value("5.00"))
					.andExpect(jsonPath("$.amount_due").value("0.00"));
				String csv = mvc.perform(post("/api/billing-report").header("X-Api-Key", "s3cret")
						.accept("text/csv")
						.contentType(MediaType.APPLICATION_JSON)
						.content("{\"tenant_id\":\"acme\"}"))
					.andExpect(status().isOk())
					.andReturn()
					.getResponse()
					.getContentAsString();
				assertThat(csv).contains(",reports.pages,grant=" + id + ",,,,money_credit,,,5.00,EUR\r\n")
					.endsWith(",amount_due,,,,,,,,0.00,EUR\r\n");

				mvc.perform(key(HttpMethod.DELETE, "/grants/" + id, null))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.state").value("voided"));
				mvc.perform(post("/api/billing-report").header("X-Api-Key", "s3cret")
						.contentType(MediaType.APPLICATION_JSON)
						.content("{\"tenant_id\":\"acme\"}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.money_credits").doesNotExist())
					.andExpect(jsonPath("$.amount_due").doesNotExist());

				// A recurring money grant: each month renews, 5.00 at most of what is left carries.
				mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants",
						"{\"currency\":\"EUR\",\"amount\":20,\"recurrence\":\"month\",\"rollover\":{\"max_amount\":5}}"))
					.andExpect(status().isCreated())
					.andExpect(jsonPath("$.currency").value("EUR"))
					.andExpect(jsonPath("$.recurrence").value("month"))
					.andExpect(jsonPath("$.rollover_max").value(5))
					.andExpect(jsonPath("$.expires_at").isNotEmpty());
			});
		}
	}

	private static void refused(MockMvc mvc, String body, String field) throws Exception {
		mvc.perform(key(HttpMethod.POST, "/tenants/acme/grants", body))
			.andExpect(status().isBadRequest())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value(field));
	}

	private static long rows(TestSchema schema) {
		Long count = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "grant", Long.class);
		return (count != null) ? count : 0;
	}

	private static WebApplicationContextRunner runner(TestSchema schema) {
		String plan = "metering.billing.plans.prepaid.";
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
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.plans.prepaid.grant-backed[api.calls]=hard", "metering.admin.web.enabled=true",
					"metering.admin.web.api-key=" + KEY, "metering.api.enabled=true", "metering.api.auth=api-key",
					"metering.api.api-key=s3cret", plan + "currency=EUR", plan + "prices[0].meter=reports.pages",
					plan + "prices[0].unit-price=0.50");
	}

	private static MockHttpServletRequestBuilder key(HttpMethod method, String path, String body) {
		MockHttpServletRequestBuilder request = request(method, BASE + path).header(AdminApiSettings.API_KEY_HEADER, KEY);
		return (body != null) ? request.contentType(MediaType.APPLICATION_JSON).content(body) : request;
	}

}
