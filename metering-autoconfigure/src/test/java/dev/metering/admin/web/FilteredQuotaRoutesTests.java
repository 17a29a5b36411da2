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
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The admin REST API's quotas limited to a dimension value: {@code "filter"} in the body, a
 * {@code filter[dimension]} query parameter to delete, and a 400 naming {@code filter.region} for
 * a dimension the meter does not group by.
 */
class FilteredQuotaRoutesTests {

	private static final String KEY = "local-admin-key-0123456789";

	@Test
	void aFilteredQuotaIsPutShownAndDeleted() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				mvc.perform(put("/metering/admin/plans/free/quotas").header(AdminApiSettings.API_KEY_HEADER, KEY)
					.contentType(MediaType.APPLICATION_JSON)
					.content("{\"meter\":\"llm.tokens\",\"window\":\"day\",\"limit\":1000,\"filter\":{\"model\":\"gpt-4o\"}}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[?(@.meter == 'llm.tokens')].filter.model").value("gpt-4o"));
				mvc.perform(put("/metering/admin/plans/free/quotas").header(AdminApiSettings.API_KEY_HEADER, KEY)
					.contentType(MediaType.APPLICATION_JSON)
					.content("{\"meter\":\"llm.tokens\",\"window\":\"day\",\"limit\":5,\"filter\":{\"region\":\"eu\"}}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("filter.region"));
				mvc.perform(delete("/metering/admin/plans/free/quotas/llm.tokens/day")
					.header(AdminApiSettings.API_KEY_HEADER, KEY)).andExpect(status().isNotFound());
				mvc.perform(delete("/metering/admin/plans/free/quotas/llm.tokens/day?filter[model]=gpt-4o")
					.header(AdminApiSettings.API_KEY_HEADER, KEY)).andExpect(status().isNoContent());
			});
		}
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
					"metering.meters[0].name=llm.tokens", "metering.meters[0].value=/tokens",
					"metering.meters[0].group-by.model=/model", "metering.admin.web.enabled=true",
					"metering.admin.web.api-key=" + KEY);
	}

}
