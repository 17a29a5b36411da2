package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.LayeredQuotaDefinitions;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.QuotaChange;
import dev.metering.admin.web.AdminApiSettings;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringAdminWebAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaPolicy;
import dev.metering.test.Await;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Thresholds of quotas defined at runtime through the admin API (two instances: two contexts on
 * separate pools to one database, both sending, against a real local HTTP receiver): no threshold
 * is configured, a tenant's runtime quota carries them; each crossing of traffic split over both
 * instances is delivered once, signed, in crossing order. Bad thresholds are a 400 naming the
 * field and change nothing; a plan's runtime thresholds apply to its tenants and a tenant's own
 * row wins.
 */
class RuntimeQuotaThresholdInstancesTests {

	private static final String KEY = "local-admin-key-0123456789";

	private static final String QUOTAS = "/metering/admin/tenants/acme/quotas";

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void eachThresholdOfARuntimeQuotaIsDeliveredOncePerWindowAcrossInstances(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); WebhookReceiver receiver = new WebhookReceiver().start()) {
			instance(schema, a, receiver).run((one) -> instance(schema, b, receiver).run((two) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(one).build();
				for (String bad : new String[] { "[\"0%\"]", "[\"80 percent\"]", "[\"-5\"]",
						"[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]" }) {
					mvc.perform(put(QUOTAS, "{\"meter\":\"" + LeaseInstances.METER
							+ "\",\"window\":\"day\",\"limit\":100,\"thresholds\":" + bad + "}"))
						.andExpect(status().isBadRequest())
						.andExpect(jsonPath("$.field").value("thresholds"));
				}
				assertThat(count(schema, "tenant_quota")).isZero();
				assertThat(one.getBean(MeteringAdmin.class).audit("tenant:acme", 10)).isEmpty();

				// 50 units (an amount), 80 % and 100 % of the limit.
				mvc.perform(put(QUOTAS, "{\"meter\":\"" + LeaseInstances.METER
						+ "\",\"window\":\"day\",\"limit\":100,\"thresholds\":[\"50.0\",\"80%\",\"100%\"]}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.quotas[0].limit").value(100))
					.andExpect(jsonPath("$.quotas[0].thresholds[0]").value("50"))
					.andExpect(jsonPath("$.quotas[0].thresholds[1]").value("80%"))
					.andExpect(jsonPath("$.quotas[0].thresholds[2]").value("100%"));
				assertThat(one.getBean(MeteringAdmin.class).audit("tenant:acme", 10)).singleElement()
					.satisfies((entry) -> {
						assertThat(entry.action()).isEqualTo("put-tenant-quota");
						assertThat(entry.newValue()).contains("limit=100", "thresholds=50,80%,100%");
					});
				// The second instance honours the row (through the bus, or the definitions' TTL).
				Await.until(() -> thresholds(two).size() == 3, Duration.ofSeconds(20));

				int admitted = 0;
				// 55, 30 then 40 requests split over both instances: 55, 85, then 100 (limit).
				for (int requests : new int[] { 55, 30, 40 }) {
					admitted += LeaseInstances.sendEach(requests, 8, (i) -> (i % 2 == 0) ? one : two, (i) -> "acme",
							LeaseInstances::request);
					LeaseInstances.flush(one);
					LeaseInstances.flush(two);
					Thread.sleep(300);
				}
				assertThat(admitted).isEqualTo(100);
				Await.until(() -> receiver.accepted().size() >= 4, Duration.ofSeconds(30));
				// Enough for any late duplicate to arrive.
				Thread.sleep(1500);
			}));
			List<WebhookReceiver.Post> posts = receiver.accepted();
			assertThat(posts).extracting((post) -> post.field("type") + " " + post.field("threshold"))
				.containsExactly("quota.threshold_reached 50", "quota.threshold_reached 80%",
						"quota.threshold_reached 100%", "quota.exceeded null");
			assertThat(posts).extracting(WebhookReceiver.Post::id).doesNotHaveDuplicates();
			for (WebhookReceiver.Post post : posts) {
				assertThat(post.signature()).isEqualTo(post.specSignature());
				assertThat(post.body()).contains("\"subject\":\"acme\"", "\"quota\":\"acme-http.requests-day\"");
			}
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "webhook_outbox WHERE state = 'event'",
						Long.class)).isEqualTo(4);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aPlansRuntimeThresholdsApplyToItsTenantsAndATenantsOwnRowWins(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				WebhookReceiver receiver = new WebhookReceiver()) {
			instance(schema, a, receiver).run((one) -> {
				MeteringAdmin admin = one.getBean(MeteringAdmin.class);
				admin.putPlanQuota("test", "free", new QuotaChange(LeaseInstances.METER, "day",
						BigDecimal.valueOf(1000), "hard", null, null, List.of("25%", "75%")));
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(one).build();
				mvc.perform(request(HttpMethod.GET, "/metering/admin/plans/free/quotas")
					.header(AdminApiSettings.API_KEY_HEADER, KEY))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[0].thresholds[0]").value("25%"))
					.andExpect(jsonPath("$[0].thresholds[1]").value("75%"));
				assertThat(thresholds(one)).extracting(Threshold::toString).containsExactly("25%", "75%");
				// The tenant's own row without thresholds: the plan's still apply, as configured ones do.
				admin.putTenantQuota("test", "acme",
						new QuotaChange(LeaseInstances.METER, "day", BigDecimal.valueOf(100), "hard", null));
				assertThat(thresholds(one)).extracting(Threshold::toString).containsExactly("25%", "75%");
				admin.putTenantQuota("test", "acme", new QuotaChange(LeaseInstances.METER, "day",
						BigDecimal.valueOf(100), "hard", null, null, List.of("90%")));
				assertThat(thresholds(one)).extracting(Threshold::toString).containsExactly("90%");
				assertThat(one.getBean(ThresholdSource.class).any()).isTrue();
				admin.deletePlanQuota("test", "free", LeaseInstances.METER, "day");
				admin.putTenantQuota("test", "acme",
						new QuotaChange(LeaseInstances.METER, "day", BigDecimal.valueOf(100), "hard", null));
				// No row has thresholds any more, and none is configured: nothing is collected.
				assertThat(one.getBean(ThresholdSource.class).any()).isFalse();
			});
		}
	}

	private static WebApplicationContextRunner instance(TestSchema schema, DataSource dataSource,
			WebhookReceiver receiver) {
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
					"metering.default-plan=free", "metering.quota.lease.request-timeout=60s",
					"metering.plans.free.quotas[0].meter=" + LeaseInstances.METER, "metering.plans.free.quotas[0].limit=1000",
					"metering.plans.free.quotas[0].window=day", "metering.plans.free.quotas[0].enforcement=hard",
					"metering.cache.definitions-ttl=2s", "metering.webhooks.threshold-check-interval=50ms",
					"metering.webhooks.initial-backoff=200ms", "metering.webhooks.max-backoff=1s")
			.withPropertyValues(receiver.senderProperties());
	}

	/** The thresholds an instance finds for acme's daily quota in force. */
	private static List<Threshold> thresholds(ApplicationContext instance) {
		QuotaPolicy policy = instance.getBean(LayeredQuotaDefinitions.class)
			.explain("acme")
			.quotas()
			.stream()
			.filter((quota) -> quota.policy().meter().equals(LeaseInstances.METER))
			.findFirst()
			.orElseThrow()
			.policy();
		return instance.getBean(ThresholdSource.class).thresholdsOf("acme", policy);
	}

	private static MockHttpServletRequestBuilder put(String path, String body) {
		return request(HttpMethod.PUT, path).header(AdminApiSettings.API_KEY_HEADER, KEY)
			.contentType(MediaType.APPLICATION_JSON)
			.content(body);
	}

	private static long count(TestSchema schema, String table) {
		Long count = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + table, Long.class);
		return (count != null) ? count : 0;
	}

}
