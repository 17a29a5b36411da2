package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.grant.Grant;
import dev.metering.grant.GrantService;
import dev.metering.grant.NewGrant;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
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
 * {@code grant.depleted} and {@code grant.expiring} on two instances (two contexts on separate
 * pools to one database), both checking balances, against a real local HTTP receiver: one
 * signed delivery per grant and event type.
 */
class GrantNotificationInstancesTests {

	private static final String METER = "ai.tokens";

	private static ApplicationContextRunner instance(TestSchema schema, HikariDataSource dataSource,
			WebhookReceiver receiver) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringNotificationAutoConfiguration.class))
			.withBean(javax.sql.DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.quota.lease.request-timeout=60s", "metering.plans.prepaid.grant-backed[" + METER + "]=hard",
					"metering.grants.check-interval=100ms", "metering.grants.expiring-notice=3d",
					"metering.webhooks.endpoints[0].events=grant.depleted,grant.expiring",
					"metering.webhooks.initial-backoff=200ms")
			.withPropertyValues(receiver.senderProperties());
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aDepletedAndAnExpiringGrantAreEachDeliveredOnce(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); WebhookReceiver receiver = new WebhookReceiver().start()) {
			instance(schema, a, receiver).run((one) -> instance(schema, b, receiver).run((two) -> {
				GrantService grants = one.getBean(GrantService.class);
				Instant now = Clock.systemUTC().instant();
				Grant first = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(3), 1, null, null, null));
				Grant expiring = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(10), 2, null,
						now.plus(Duration.ofDays(1)), null));
				grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(10), 3, null,
						now.plus(Duration.ofDays(30)), null));
				List<ConfigurableApplicationContext> both = List.of(one, two);
				for (int i = 0; i < 3; i++) {
					assertThat(request(both.get(i % 2), "acme")).isTrue();
				}
				LeaseInstances.flush(one);
				LeaseInstances.flush(two);
				Await.until(() -> receiver.accepted().size() >= 2, Duration.ofSeconds(30));
				// Both instances keep checking: long enough for a duplicate to show.
				Thread.sleep(1500);
				List<WebhookReceiver.Post> posts = receiver.accepted();
				assertThat(posts).hasSize(2);
				assertThat(posts).extracting((post) -> post.field("type") + " " + post.field("grant_id"))
					.containsExactlyInAnyOrder("grant.depleted " + first.id(), "grant.expiring " + expiring.id());
				for (WebhookReceiver.Post post : posts) {
					assertThat(post.signature()).isEqualTo(post.specSignature());
					assertThat(post.body()).contains("\"subject\":\"acme\"", "\"meter\":\"" + METER + "\"");
				}
			}));
		}
	}

	private static boolean request(ConfigurableApplicationContext context, String tenant) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		QuotaDecision decision = quotas.check(tenant, METER, 1);
		if (decision.allowed()) {
			decision.reservation().record(context.getBean(UsageRecorder.class), UsageEvent.builder(tenant, METER).build());
		}
		return decision.allowed();
	}

}
