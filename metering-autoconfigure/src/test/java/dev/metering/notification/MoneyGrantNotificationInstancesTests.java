package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.billing.BillingReportService;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.grant.Grant;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.grant.NewGrant;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.test.Await;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code grant.depleted} and {@code grant.expiring} of money grants on two instances (two
 * contexts on separate pools to one database), both checking balances, against a real local
 * HTTP receiver: the grant this period's charges used up is delivered depleted once, the one
 * expiring with money left once, each signed, with money as strings in the currency's scale;
 * reading the report and the balances again and again emits nothing more; each notification is
 * one application event on one instance.
 */
class MoneyGrantNotificationInstancesTests {

	private static final String METER = "ai.tokens";

	private static ApplicationContextRunner instance(TestSchema schema, HikariDataSource dataSource,
			WebhookReceiver receiver, List<MeteringNotificationEvent> events) {
		String plan = "metering.billing.plans.prepaid.";
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringBillingAutoConfiguration.class, MeteringNotificationAutoConfiguration.class))
			.withBean(javax.sql.DataSource.class, () -> dataSource)
			.withBean(Collected.class, () -> new Collected(events))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.plans.prepaid.quotas[0].meter=" + METER, "metering.plans.prepaid.quotas[0].limit=1000000",
					"metering.plans.prepaid.quotas[0].window=month", "metering.plans.prepaid.quotas[0].enforcement=monitor",
					plan + "currency=EUR", plan + "prices[0].meter=" + METER, plan + "prices[0].unit-price=0.002",
					"metering.grants.check-interval=100ms", "metering.grants.expiring-notice=3d",
					"metering.webhooks.endpoints[0].events=grant.depleted,grant.expiring",
					"metering.webhooks.initial-backoff=200ms")
			.withPropertyValues(receiver.senderProperties());
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aMoneyGrantTheBillUsedUpAndOneExpiringAreEachDeliveredOnce(TestDatabase database) throws Exception {
		List<MeteringNotificationEvent> events = new CopyOnWriteArrayList<>();
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); WebhookReceiver receiver = new WebhookReceiver().start()) {
			instance(schema, a, receiver, events).run((one) -> instance(schema, b, receiver, events).run((two) -> {
				GrantService grants = one.getBean(GrantService.class);
				Instant now = Clock.systemUTC().instant().truncatedTo(ChronoUnit.MILLIS);
				Grant first = grants.create("ops", money("10.00", 1, null));
				Grant expiring = grants.create("ops", money("50.00", 2, now.plus(Duration.ofDays(1))));
				grants.create("ops", money("50.00", 3, now.plus(Duration.ofDays(30))));
				// 5,000 tokens at 0.002: this period's 10.00 uses the first grant up.
				one.getBean(UsageRecorder.class)
					.record(UsageEvent.builder("acme", METER).quantity(2500).occurredAt(now).build());
				two.getBean(UsageRecorder.class)
					.record(UsageEvent.builder("acme", METER).quantity(2500).occurredAt(now).build());
				assertThat(one.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
				assertThat(two.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
				Await.until(() -> receiver.accepted().size() >= 2, Duration.ofSeconds(30));
				// Reports and balances read on both instances, while both keep checking: no duplicate.
				for (int i = 0; i < 5; i++) {
					for (ConfigurableApplicationContext instance : List.of(one, two)) {
						BillingReportService reports = instance.getBean(BillingReportService.class);
						assertThat(reports.report("acme", reports.periodOf("acme", now)).moneyCreditsApplied())
							.isEqualByComparingTo("10.00");
						assertThat(instance.getBean(MoneyGrants.class).balancesOf("acme").get(0).balance())
							.isEqualByComparingTo("100.00");
					}
					Thread.sleep(300);
				}
				List<WebhookReceiver.Post> posts = receiver.accepted();
				assertThat(posts).hasSize(2);
				assertThat(posts).extracting((post) -> post.field("type") + " " + post.field("grant_id"))
					.containsExactlyInAnyOrder("grant.depleted " + first.id(), "grant.expiring " + expiring.id());
				for (WebhookReceiver.Post post : posts) {
					assertThat(post.signature()).isEqualTo(post.specSignature());
					assertThat(post.body()).contains("\"subject\":\"acme\"", "\"currency\":\"EUR\"", "\"meters\":[]")
						.doesNotContain("\"meter\":");
				}
				assertThat(posts).filteredOn((post) -> "grant.depleted".equals(post.field("type")))
					.singleElement()
					.satisfies((post) -> assertThat(post.body()).contains("\"amount\":\"10.00\"", "\"used\":\"10.00\"",
							"\"remaining\":\"0.00\""));
				assertThat(posts).filteredOn((post) -> "grant.expiring".equals(post.field("type")))
					.singleElement()
					.satisfies((post) -> assertThat(post.body()).contains("\"remaining\":\"50.00\"",
							"\"expires_at\":\"" + expiring.expiresAt() + "\""));
				assertThat(events).extracting((event) -> event.getType().wireName())
					.containsExactlyInAnyOrder("grant.depleted", "grant.expiring");
			}));
		}
	}

	private static NewGrant money(String amount, int priority, Instant expires) {
		return new NewGrant("acme", null, new BigDecimal(amount), priority, null, expires, null, null, null, "EUR",
				List.of());
	}

	/** Collects the notifications published as application events. */
	record Collected(List<MeteringNotificationEvent> events) implements ApplicationListener<MeteringNotificationEvent> {

		@Override
		public void onApplicationEvent(MeteringNotificationEvent event) {
			this.events.add(event);
		}

	}

}
