package dev.metering.admin.web;

import java.time.Duration;
import java.util.Map;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringAdminWebAutoConfiguration;
import dev.metering.autoconfigure.MeteringApiAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringEntitlementAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.entitlement.EntitlementService;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.notification.NotificationEmitter;
import dev.metering.notification.NotificationType;
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
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The HTTP routes of entitlements and notifications: features set and deleted through the admin
 * API (bad input is a 400 naming the field and changes nothing), the webhook deliveries in the
 * admin API, and {@code GET /api/entitlements/{tenant}} under the usage API's access rule, with
 * each quota's balance.
 */
class FeatureAndWebhookRoutesTests {

	private static final String KEY = "local-admin-key-0123456789";

	private static final String BASE = "/metering/admin";

	@Test
	void featuresDeliveriesAndEntitlementsThroughHttp() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				mvc.perform(key(HttpMethod.PUT, "/plans/free/features/SSO!", "{\"value\":\"true\"}"))
					.andExpect(status().isBadRequest())
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
					.andExpect(jsonPath("$.field").value("feature"));
				mvc.perform(key(HttpMethod.PUT, "/plans/free/features/sso", "{\"value\":\"\"}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("value"));
				mvc.perform(key(HttpMethod.PUT, "/plans/gold/features/sso", "{\"value\":\"true\"}"))
					.andExpect(status().isNotFound());
				mvc.perform(plain(HttpMethod.PUT, "/plans/free/features/sso", "{\"value\":\"true\"}"))
					.andExpect(status().isUnauthorized());
				assertThat(rows(schema)).isZero();

				mvc.perform(key(HttpMethod.PUT, "/plans/free/features/sso", "{\"value\":\"true\"}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.value").value("true"));
				mvc.perform(key(HttpMethod.PUT, "/tenants/acme/features/seats", "{\"value\":\"20\"}"))
					.andExpect(status().isOk());
				EntitlementService entitlements = context.getBean(EntitlementService.class);
				assertThat(entitlements.isEntitled("acme", "sso")).isTrue();
				assertThat(entitlements.valueOf("acme", "seats")).contains("20");

				UsageRecorder recorder = context.getBean(UsageRecorder.class);
				for (int i = 0; i < 3; i++) {
					recorder.record(UsageEvent.builder("acme", "api.calls").build());
				}
				assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
				mvc.perform(get("/api/entitlements/acme"))
					.andExpect(status().isUnauthorized());
				mvc.perform(get("/api/entitlements/acme").header("X-Api-Key", "s3cret"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.tenant_id").value("acme"))
					.andExpect(jsonPath("$.plan").value("free"))
					.andExpect(jsonPath("$.features.sso.value").value("true"))
					.andExpect(jsonPath("$.features.sso.entitled").value(true))
					.andExpect(jsonPath("$.features.seats.value").value("20"))
					.andExpect(jsonPath("$.features.export.entitled").value(false))
					.andExpect(jsonPath("$['metered']['api.calls'][0].limit").value(100))
					.andExpect(jsonPath("$['metered']['api.calls'][0].used").value(3))
					.andExpect(jsonPath("$['metered']['api.calls'][0].remaining").value(97));

				mvc.perform(key(HttpMethod.DELETE, "/plans/free/features/sso", null)).andExpect(status().isNoContent());
				mvc.perform(key(HttpMethod.DELETE, "/plans/free/features/sso", null)).andExpect(status().isNotFound());
				assertThat(entitlements.isEntitled("acme", "sso")).isFalse();

				context.getBean(NotificationEmitter.class)
					.emit(NotificationType.QUOTA_EXCEEDED, "acme", "routes", Map.of("meter", "api.calls"));
				mvc.perform(key(HttpMethod.GET, "/webhooks/deliveries?limit=10", null))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[0].type").value("quota.exceeded"))
					.andExpect(jsonPath("$[0].url").value("http://127.0.0.1:9/hooks"))
					.andExpect(jsonPath("$[0].message_id").isString());
				mvc.perform(key(HttpMethod.GET, "/webhooks/deliveries?limit=0", null))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("limit"));
			});
		}
	}

	private static long rows(TestSchema schema) {
		Long count = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "feature", Long.class);
		return (count != null) ? count : 0;
	}

	private static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class, MeteringBillingAutoConfiguration.class,
					MeteringEntitlementAutoConfiguration.class, MeteringNotificationAutoConfiguration.class,
					MeteringApiAutoConfiguration.class, MeteringAdminWebAutoConfiguration.class,
					JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
					WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=h2", "metering.rollup.enabled=false", "metering.default-plan=free",
					"metering.plans.free.quotas[0].meter=api.calls", "metering.plans.free.quotas[0].limit=100",
					"metering.plans.free.quotas[0].window=day", "metering.admin.web.enabled=true",
					"metering.admin.web.api-key=" + KEY, "metering.api.enabled=true", "metering.api.auth=api-key",
					"metering.api.api-key=s3cret", "metering.plans.free.features.export=false",
					"metering.webhooks.sender-enabled=false",
					"metering.webhooks.endpoints[0].url=http://127.0.0.1:9/hooks",
					"metering.webhooks.endpoints[0].secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	}

	private static MockHttpServletRequestBuilder key(HttpMethod method, String path, String body) {
		return plain(method, path, body).header(AdminApiSettings.API_KEY_HEADER, KEY);
	}

	private static MockHttpServletRequestBuilder plain(HttpMethod method, String path, String body) {
		MockHttpServletRequestBuilder request = request(method, BASE + path);
		return (body != null) ? request.contentType(MediaType.APPLICATION_JSON).content(body) : request;
	}

}
