package dev.metering.notification;

import java.time.Duration;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.web.AdminApiSettings;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringAdminWebAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.test.Await;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static dev.metering.notification.WebhookReceiver.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A webhook endpoint registered through the admin API of one instance is sent to by another
 * (two contexts on separate pools to one database, only the second one sending), and no longer
 * once removed; its secret is never echoed, not in an answer nor in the audit trail; bad input
 * is a 400 naming the field and writes nothing.
 */
class WebhookEndpointInstancesTests {

	private static final String KEY = "local-admin-key-0123456789";

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anEndpointRegisteredOnOneInstanceIsSentToByTheOther(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); WebhookReceiver receiver = new WebhookReceiver().start()) {
			admin(schema, a).run((one) -> sender(schema, b).run((two) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(one).build();
				MvcResult badSecret = mvc
					.perform(key(HttpMethod.POST, "{\"url\":\"" + receiver.url() + "\",\"secret\":\"whsec_c2hvcnQ=\"}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("secret"))
					.andReturn();
				assertThat(badSecret.getResponse().getContentAsString()).doesNotContain("whsec_c2hvcnQ=");
				mvc.perform(key(HttpMethod.POST, "{\"url\":\"ftp://example.com/x\",\"secret\":\"" + SECRET + "\"}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("url"));
				mvc.perform(key(HttpMethod.POST,
						"{\"url\":\"" + receiver.url() + "\",\"secret\":\"" + SECRET + "\",\"events\":[\"quota.nope\"]}"))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value("events"));
				assertThat(rows(schema)).isZero();

				MvcResult created = mvc
					.perform(key(HttpMethod.POST, "{\"url\":\"" + receiver.url() + "\",\"secret\":\"" + SECRET
							+ "\",\"events\":[\"quota.exceeded\"]}"))
					.andExpect(status().isCreated())
					.andExpect(jsonPath("$.url").value(receiver.url()))
					.andExpect(jsonPath("$.events[0]").value("quota.exceeded"))
					.andReturn();
				String answer = created.getResponse().getContentAsString();
				assertThat(answer).doesNotContain(SECRET).doesNotContain("secret");
				String id = answer.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
				MvcResult listed = mvc.perform(request(HttpMethod.GET, "/metering/admin/webhooks/endpoints")
					.header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[0].id").value(id))
					.andExpect(jsonPath("$[0].origin").value("admin"))
					.andReturn();
				assertThat(listed.getResponse().getContentAsString()).doesNotContain(SECRET);
				assertThat(one.getBean(MeteringAdmin.class).audit("webhook:", 10)).singleElement().satisfies((entry) -> {
					assertThat(entry.action()).isEqualTo("put-webhook");
					assertThat(entry.newValue()).contains(receiver.url()).doesNotContain(SECRET);
				});

				// Written by the first instance, which does not send: the second one posts it.
				assertThat(one.getBean(NotificationEmitter.class)
					.emit(NotificationType.QUOTA_EXCEEDED, "acme", "registered", Map.of("meter", "api.calls"))).isTrue();
				Await.until(() -> receiver.accepted().size() == 1, Duration.ofSeconds(20));
				WebhookReceiver.Post post = receiver.accepted().get(0);
				assertThat(post.signature()).isEqualTo(post.specSignature());

				mvc.perform(request(HttpMethod.DELETE, "/metering/admin/webhooks/endpoints/" + id)
					.header(AdminApiSettings.API_KEY_HEADER, KEY)).andExpect(status().isNoContent());
				mvc.perform(request(HttpMethod.DELETE, "/metering/admin/webhooks/endpoints/" + id)
					.header(AdminApiSettings.API_KEY_HEADER, KEY)).andExpect(status().isNotFound());
				Await.until(() -> two.getBean(WebhookRegistry.class).endpoints().isEmpty(), Duration.ofSeconds(20));
				one.getBean(NotificationEmitter.class)
					.emit(NotificationType.QUOTA_EXCEEDED, "acme", "removed", Map.of("meter", "api.calls"));
				Thread.sleep(1000);
				assertThat(receiver.accepted()).hasSize(1);
			}));
		}
	}

	private static WebApplicationContextRunner admin(TestSchema schema, DataSource dataSource) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringNotificationAutoConfiguration.class, MeteringAdminWebAutoConfiguration.class,
					JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
					WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.admin.web.enabled=true", "metering.admin.web.api-key=" + KEY,
					"metering.webhooks.sender-enabled=false");
	}

	private static ApplicationContextRunner sender(TestSchema schema, DataSource dataSource) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringNotificationAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.webhooks.endpoints-refresh=200ms",
					"metering.webhooks.poll-interval=50ms", "metering.webhooks.connect-timeout=1s",
					"metering.webhooks.read-timeout=2s", "metering.webhooks.claim-timeout=4s");
	}

	private static MockHttpServletRequestBuilder key(HttpMethod method, String body) {
		return request(method, "/metering/admin/webhooks/endpoints").header(AdminApiSettings.API_KEY_HEADER, KEY)
			.contentType(MediaType.APPLICATION_JSON)
			.content(body);
	}

	private static long rows(TestSchema schema) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "webhook_endpoint", Long.class);
		return (count != null) ? count : 0;
	}

}
