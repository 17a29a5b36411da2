package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.tenant.TenantDirectory;
import dev.metering.test.Await;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The thresholds of an ancestor's quota in a tenant hierarchy: its projects' usage, on two
 * instances, crosses the organisation's thresholds, and each is delivered once, about the
 * organisation.
 */
class AncestorThresholdInstancesTests {

	private static ApplicationContextRunner instance(TestSchema schema, HikariDataSource dataSource,
			WebhookReceiver receiver) {
		return LeaseInstances.instance(schema, dataSource, Clock.systemUTC(), 1_000_000, "day",
				"metering.tenants.org-1.quotas[0].meter=" + LeaseInstances.METER,
				"metering.tenants.org-1.quotas[0].limit=100", "metering.tenants.org-1.quotas[0].window=day",
				"metering.tenants.org-1.quotas[0].enforcement=hard",
				"metering.tenants.org-1.quotas[0].thresholds=50%,80%", "metering.tenants.project-a.parent=org-1",
				"metering.tenants.project-b.parent=org-1", "metering.webhooks.threshold-check-interval=50ms")
			.withPropertyValues(receiver.senderProperties())
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringNotificationAutoConfiguration.class));
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theProjectsUsageCrossesTheOrganisationsThresholdsOnce(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); WebhookReceiver receiver = new WebhookReceiver().start()) {
			instance(schema, a, receiver).run((one) -> instance(schema, b, receiver).run((two) -> {
				List<ConfigurableApplicationContext> both = List.of(one, two);
				// 60 then 30: 60 % then 90 % of the organisation's 100, half from each project.
				for (int requests : new int[] { 60, 30 }) {
					for (int i = 0; i < requests; i++) {
						assertThat(request(both.get(i % 2), (i % 4 < 2) ? "project-a" : "project-b")).isTrue();
					}
					LeaseInstances.flush(one);
					LeaseInstances.flush(two);
					Thread.sleep(300);
				}
				Await.until(() -> receiver.accepted().size() >= 2, Duration.ofSeconds(30));
				Thread.sleep(1000);
			}));
			List<WebhookReceiver.Post> posts = receiver.accepted();
			assertThat(posts).hasSize(2);
			assertThat(posts).allSatisfy((post) -> assertThat(post.body()).contains("\"subject\":\"org-1\"",
					"\"type\":\"quota.threshold_reached\""));
			assertThat(posts.get(0).body()).contains("\"threshold\":\"50%\"");
			assertThat(posts.get(1).body()).contains("\"threshold\":\"80%\"");
		}
	}

	private static boolean request(ConfigurableApplicationContext context, String tenant) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		List<String> lineage = context.getBean(TenantDirectory.class).lineageOf(tenant).scopes();
		Instant at = quotas.getClock().instant();
		QuotaDecision decision = quotas.check(lineage, LeaseInstances.METER, BigDecimal.ONE, at);
		if (!decision.allowed()) {
			return false;
		}
		decision.reservation()
			.record(context.getBean(UsageRecorder.class), UsageEvent.builder(tenant, LeaseInstances.METER).occurredAt(at).build());
		return true;
	}

}
