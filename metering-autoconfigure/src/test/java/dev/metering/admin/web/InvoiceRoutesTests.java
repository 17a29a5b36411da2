package dev.metering.admin.web;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringAdminWebAutoConfiguration;
import dev.metering.autoconfigure.MeteringApiAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.billing.InvoiceCloser;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.rollup.RollupScheduler;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Invoices over HTTP: the admin API closes due periods (401 without its key, audited, each
 * invoice an {@code invoice.finalized} notification in the outbox); the usage API lists a
 * scope's invoices and returns one as the report's JSON at close (plus its number) or its CSV
 * byte for byte, by {@code Accept} or {@code format}; bad input is a 400 naming the field, another
 * scope's number a 404. The rollup's scheduler closes them too, unless invoicing is off.
 */
class InvoiceRoutesTests {

	private static final String KEY = "local-admin-key-0123456789";

	private static final String API_KEY = "s3cret";

	/** November 2026 closes 35 days after its end. */
	private static final Instant CLOSED = Instant.parse("2027-01-05T00:00:00Z");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Test
	void closedThroughTheAdminApiAndReadThroughTheUsageApi() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			record(schema);
			// Closed by hand here: the rollup's scheduler (it would close them too) is off.
			runner(schema, new MutableClock(CLOSED), "metering.rollup.enabled=false").run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				String reportJson = mvc.perform(api(post("/api/billing-report")).contentType(MediaType.APPLICATION_JSON)
					.content("{\"tenant_id\":\"acme\",\"period\":\"2026-11\"}"))
					.andExpect(status().isOk())
					.andReturn()
					.getResponse()
					.getContentAsString();
				String reportCsv = mvc.perform(api(post("/api/billing-report")).contentType(MediaType.APPLICATION_JSON)
					.accept("text/csv")
					.content("{\"tenant_id\":\"acme\",\"period\":\"2026-11\"}"))
					.andReturn()
					.getResponse()
					.getContentAsString();

				mvc.perform(post("/metering/admin/invoices/close")).andExpect(status().isUnauthorized());
				mvc.perform(get("/api/invoices/acme").header("X-Api-Key", API_KEY))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.invoices").isEmpty());
				mvc.perform(post("/metering/admin/invoices/close").header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.finalized").value(2))
					.andExpect(jsonPath("$.invoice_numbers[0]").value("INV-000001"))
					.andExpect(jsonPath("$.invoice_numbers[1]").value("INV-000002"));
				mvc.perform(get("/metering/admin/audit?target=invoices").header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(jsonPath("$[0].action").value("close-invoices"))
					.andExpect(jsonPath("$[0].new_value").value("2: INV-000001..INV-000002"));
				mvc.perform(get("/metering/admin/webhooks/deliveries").header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(jsonPath("$.length()").value(2))
					.andExpect(jsonPath("$[0].type").value("invoice.finalized"));

				mvc.perform(api(get("/api/invoices/acme")))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.tenant_id").value("acme"))
					.andExpect(jsonPath("$.invoices.length()").value(1))
					.andExpect(jsonPath("$.invoices[0].invoice_number").value("INV-000001"))
					.andExpect(jsonPath("$.invoices[0].period_start").value("2026-11-01T00:00:00Z"))
					.andExpect(jsonPath("$.invoices[0].plan").value("pro"));
				String invoice = mvc.perform(api(get("/api/invoices/acme/INV-000001")))
					.andExpect(status().isOk())
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
					.andReturn()
					.getResponse()
					.getContentAsString();
				ObjectNode report = (ObjectNode) JSON.readTree(reportJson);
				ObjectNode stored = (ObjectNode) JSON.readTree(invoice);
				assertThat(stored.get("invoice_number").stringValue()).isEqualTo("INV-000001");
				assertThat(stored.get("finalized_at").stringValue()).isEqualTo(CLOSED.toString());
				report.remove(List.of("closed", "closes_at"));
				stored.remove(List.of("invoice_number", "finalized_at"));
				assertThat((JsonNode) stored).as("the invoice is the report at close").isEqualTo(report);
				assertThat(report.get("lines").get(0).get("overage").booleanValue()).isTrue();
				for (MockHttpServletRequestBuilder csv : List.of(
						api(get("/api/invoices/acme/INV-000001")).accept("text/csv"),
						api(get("/api/invoices/acme/INV-000001?format=csv")))) {
					mvc.perform(csv)
						.andExpect(status().isOk())
						.andExpect(content().contentTypeCompatibleWith("text/csv"))
						.andExpect(content().string(reportCsv));
				}

				mvc.perform(api(get("/api/invoices/acme/INV-000002")))
					.andExpect(status().isNotFound())
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
					.andExpect(jsonPath("$.field").value("number"));
				mvc.perform(api(get("/api/invoices/globex/INV-000002?format=xml")))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("format"));
				mvc.perform(get("/api/invoices/acme/INV-000001")).andExpect(status().isUnauthorized());
				mvc.perform(post("/metering/admin/invoices/close").header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(jsonPath("$.finalized").value(0));
			});
		}
	}

	@Test
	void theRollupSchedulerClosesDuePeriodsUnlessInvoicingIsOff() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			record(schema);
			runner(schema, new MutableClock(CLOSED), "metering.billing.invoices.enabled=false").run((context) -> {
				assertThat(context).doesNotHaveBean(InvoiceCloser.class);
				assertThat(context).hasSingleBean(RollupScheduler.class);
				Thread.sleep(300);
				assertThat(invoices(schema)).isZero();
			});
			runner(schema, new MutableClock(CLOSED)).run((context) -> {
				long deadline = System.nanoTime() + 10_000_000_000L;
				while (invoices(schema) < 2 && System.nanoTime() < deadline) {
					Thread.sleep(20);
				}
				assertThat(invoices(schema)).isEqualTo(2);
			});
		}
	}

	private static long invoices(TestSchema schema) {
		Long count = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.tables().invoice(), Long.class);
		return (count != null) ? count : 0;
	}

	private static MockHttpServletRequestBuilder api(MockHttpServletRequestBuilder request) {
		return request.header("X-Api-Key", API_KEY);
	}

	private static void record(TestSchema schema) {
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			events.add(UsageEvent.builder((i % 3 == 0) ? "globex" : "acme", "api.calls")
				.quantity(BigDecimal.valueOf(37 + i))
				.occurredAt(Instant.parse("2026-11-03T10:00:00Z").plusSeconds(i * 36_000L))
				.userId("user-" + (i % 4))
				.build());
		}
		new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables()).insert(events,
				Instant.parse("2026-12-01T00:00:00Z"));
	}

	private static WebApplicationContextRunner runner(TestSchema schema, Clock clock, String... properties) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class, MeteringBillingAutoConfiguration.class,
					MeteringNotificationAutoConfiguration.class, MeteringApiAutoConfiguration.class,
					MeteringAdminWebAutoConfiguration.class, JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withBean(Clock.class, () -> clock)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=h2", "metering.rollup.initial-delay=0s", "metering.rollup.interval=50ms",
					"metering.default-plan=pro", "metering.plans.pro.quotas[0].meter=api.calls",
					"metering.plans.pro.quotas[0].limit=100000", "metering.billing.plans.pro.currency=EUR",
					"metering.billing.plans.pro.base-fee=49", "metering.billing.plans.pro.prices[0].meter=api.calls",
					"metering.billing.plans.pro.prices[0].included=1000",
					"metering.billing.plans.pro.prices[0].unit-price=0.0125", "metering.admin.web.enabled=true",
					"metering.admin.web.api-key=" + KEY, "metering.api.enabled=true", "metering.api.auth=api-key",
					"metering.api.api-key=" + API_KEY, "metering.webhooks.sender-enabled=false",
					"metering.webhooks.endpoints[0].url=http://127.0.0.1:9/hooks",
					"metering.webhooks.endpoints[0].secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
			.withPropertyValues(properties);
	}

}
