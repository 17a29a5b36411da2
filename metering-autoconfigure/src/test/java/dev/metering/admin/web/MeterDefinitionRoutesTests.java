package dev.metering.admin.web;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringAdminWebAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The admin REST API's meter definitions: {@code PUT /meters} with the property names of
 * {@code metering.meters[i]}, {@code GET /meters}, {@code DELETE /meters/{meter}}; a bad body is a
 * 400 problem naming the property, and no row or audit entry is written.
 */
class MeterDefinitionRoutesTests {

	private static final String KEY = "local-admin-key-0123456789";

	@Test
	void aMeterDefinitionIsPutShownAndDeleted() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				mvc.perform(put("/metering/admin/meters").header(AdminApiSettings.API_KEY_HEADER, KEY)
					.contentType(MediaType.APPLICATION_JSON)
					.content("{\"name\":\"llm.tokens\",\"aggregation\":\"sum\",\"event-type\":\"llm.completion\","
							+ "\"value\":\"/usage/total_tokens\",\"group-by\":{\"model\":\"/model\"},\"unit\":\"token\","
							+ "\"description\":\"Tokens per completion\",\"max-groups\":20}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.event-type").value("llm.completion"))
					.andExpect(jsonPath("$.group-by.model").value("/model"))
					.andExpect(jsonPath("$.max-groups").value(20));
				mvc.perform(get("/metering/admin/meters").header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[0].name").value("llm.tokens"))
					.andExpect(jsonPath("$[0].value").value("/usage/total_tokens"));
				mvc.perform(delete("/metering/admin/meters/llm.tokens").header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(status().isNoContent());
				mvc.perform(delete("/metering/admin/meters/llm.tokens").header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(status().isNotFound());
			});
		}
	}

	@Test
	void aBadBodyIsAProblemNamingThePropertyAndChangesNothing() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				assertRefused(mvc, "{\"name\":\"llm.tokens\",\"value\":\"usage\"}", "value");
				assertRefused(mvc, "{\"name\":\"llm.tokens\",\"aggregation\":\"average\"}", "aggregation");
				assertRefused(mvc, "{\"name\":\"llm.tokens\",\"group-by\":{\"model\":\"model\"}}", "group-by.model");
				assertRefused(mvc, "{\"name\":\"llm.tokens\",\"max-groups\":\"many\"}", "max-groups");
				assertRefused(mvc, "{\"name\":\"http.requests\",\"aggregation\":\"max\"}", "aggregation");
				assertThat(count(schema, "meter_definition")).isZero();
				assertThat(count(schema, "quota_audit")).isZero();
			});
		}
	}

	private static void assertRefused(MockMvc mvc, String body, String field) throws Exception {
		mvc.perform(put("/metering/admin/meters").header(AdminApiSettings.API_KEY_HEADER, KEY)
			.contentType(MediaType.APPLICATION_JSON)
			.content(body))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value(field));
	}

	private static long count(TestSchema schema, String table) {
		Long rows = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + table, Long.class);
		return (rows != null) ? rows : 0;
	}

	private static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class, MeteringAdminWebAutoConfiguration.class,
					JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
					WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=h2", "metering.rollup.enabled=false", "metering.default-plan=free",
					"metering.plans.free.quotas[0].meter=api.calls", "metering.plans.free.quotas[0].limit=100",
					"metering.admin.web.enabled=true",
					"metering.admin.web.api-key=" + KEY);
	}

}
