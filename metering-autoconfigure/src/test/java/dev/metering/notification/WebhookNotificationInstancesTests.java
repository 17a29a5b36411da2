package dev.metering.notification;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.quota.LeaseInstances;
import dev.metering.test.Await;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quota thresholds and webhooks on two instances (two contexts on separate pools to one
 * database), against a real local HTTP receiver: one delivery per threshold per window whichever
 * instance sees the crossing, signed as the Standard Webhooks specification says, in crossing
 * order; a receiver down then failing gets everything afterwards, each notification with one
 * id; an instance that dropped its deliveries leaves them to the other.
 */
class WebhookNotificationInstancesTests {

	private static ApplicationContextRunner instance(TestSchema schema, HikariDataSource dataSource,
			WebhookReceiver receiver, String... more) {
		return LeaseInstances.instance(schema, dataSource, Clock.systemUTC(), 100, "day",
				"metering.plans.free.quotas[0].thresholds=50%,80%,100%", "metering.webhooks.threshold-check-interval=50ms",
				"metering.webhooks.initial-backoff=200ms", "metering.webhooks.max-backoff=1s")
			.withPropertyValues(receiver.senderProperties())
			.withConfiguration(AutoConfigurations.of(MeteringNotificationAutoConfiguration.class))
			.withPropertyValues(more);
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void eachThresholdIsDeliveredOncePerWindowInCrossingOrderSigned(TestDatabase database) throws Exception {
		List<MeteringNotificationEvent> events = new CopyOnWriteArrayList<>();
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); WebhookReceiver receiver = new WebhookReceiver().start()) {
			instance(schema, a, receiver)
				.withBean(ApplicationListener.class, () -> listener(events))
				.run((one) -> instance(schema, b, receiver)
					.withBean(ApplicationListener.class,
							() -> listener(events))
					.run((two) -> {
						List<ConfigurableApplicationContext> both = List.of(one, two);
						// 55, 30 then 40 requests split over both instances: 55, 85, then 100 (limit).
						for (int requests : new int[] { 55, 30, 40 }) {
							send(requests, both);
							LeaseInstances.flush(one);
							LeaseInstances.flush(two);
							Thread.sleep(300);
						}
						Await.until(() -> receiver.accepted().size() >= 4, Duration.ofSeconds(30));
						// Enough for any late duplicate to arrive.
						Thread.sleep(1500);
					}));
			List<WebhookReceiver.Post> posts = receiver.accepted();
			assertThat(posts).hasSize(4);
			assertThat(posts).extracting((post) -> post.field("type") + " " + post.field("threshold"))
				.containsExactly("quota.threshold_reached 50%", "quota.threshold_reached 80%",
						"quota.threshold_reached 100%", "quota.exceeded null");
			assertThat(posts).extracting(WebhookReceiver.Post::id).doesNotHaveDuplicates();
			for (WebhookReceiver.Post post : posts) {
				assertThat(post.signature()).isEqualTo(post.specSignature());
				assertThat(post.body()).contains("\"specversion\":\"1.0\"", "\"subject\":\"acme\"",
						"\"id\":\"" + post.id() + "\"");
			}
			// Each notification published once, as an application event, on the instance that emitted it.
			assertThat(events).extracting(MeteringNotificationEvent::getId)
				.containsExactlyInAnyOrderElementsOf(posts.stream().map(WebhookReceiver.Post::id).toList());
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "webhook_outbox WHERE state = 'event'",
						Long.class)).isEqualTo(4);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aReceiverDownThenFailingGetsEveryNotificationAfterwardsEachWithOneId(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				WebhookReceiver receiver = new WebhookReceiver()) {
			instance(schema, a, receiver).run((one) -> {
				NotificationEmitter emitter = one.getBean(NotificationEmitter.class);
				for (int i = 0; i < 5; i++) {
					assertThat(emitter.emit(NotificationType.QUOTA_THRESHOLD_REACHED, "acme", "down|" + i,
							Map.of("n", i))).isTrue();
				}
				assertThat(emitter.emit(NotificationType.QUOTA_THRESHOLD_REACHED, "acme", "down|0", Map.of("n", 0)))
					.isFalse();
				// 20 s connection refused, then 10 s of 500s, then up.
				Thread.sleep(20_000);
				receiver.answer(500);
				receiver.start();
				Thread.sleep(10_000);
				assertThat(receiver.accepted()).isEmpty();
				assertThat(receiver.posts).isNotEmpty();
				// Still pending; the endpoint's first is retried, the others wait behind it (order).
				List<WebhookDelivery> pending = one.getBean(WebhookOutbox.class).recent(10);
				assertThat(pending).extracting(WebhookDelivery::state).containsOnly("pending");
				assertThat(pending.get(pending.size() - 1).attempts()).isGreaterThan(1);
				assertThat(pending.get(pending.size() - 1).lastError()).isEqualTo("HTTP 500");
				receiver.answer(200);
				Await.until(() -> receiver.accepted().size() >= 5, Duration.ofSeconds(30));
				Thread.sleep(1000);
				assertThat(one.getBean(WebhookOutbox.class).counts()).containsEntry("delivered", 5L)
					.doesNotContainKey("pending");
			});
			assertThat(receiver.accepted()).hasSize(5)
				.extracting((post) -> post.field("n"))
				.containsExactly("0", "1", "2", "3", "4");
			// Every attempt of a notification, failed or not, carried the same id and body.
			Map<String, String> bodyOfId = new HashMap<>();
			for (WebhookReceiver.Post post : receiver.posts) {
				assertThat(bodyOfId.putIfAbsent(post.id(), post.body())).isIn(null, post.body());
				assertThat(post.signature()).isEqualTo(post.specSignature());
			}
			assertThat(bodyOfId).hasSize(5);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void deliveriesAnInstanceDroppedAreMadeByTheOther(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); WebhookReceiver receiver = new WebhookReceiver().start()) {
			List<String> emitted = new ArrayList<>();
			// Instance one writes to the outbox and never sends (its sender stopped); it also holds a
			// claim on one delivery when it goes away.
			instance(schema, a, receiver, "metering.webhooks.sender-enabled=false").run((one) -> {
				assertThat(one.getBeansOfType(WebhookSender.class)).isEmpty();
				NotificationEmitter emitter = one.getBean(NotificationEmitter.class);
				for (int i = 0; i < 3; i++) {
					emitter.emit(NotificationType.QUOTA_EXCEEDED, "acme", "dropped|" + i, Map.of("n", i));
				}
				WebhookOutbox outbox = one.getBean(WebhookOutbox.class);
				WebhookOutbox.Pending first = outbox.due(java.time.Instant.now(), 10).get(0);
				assertThat(outbox.claim(first, "instance-one", java.time.Instant.now(),
						java.time.Instant.now().plusSeconds(3))).isTrue();
				outbox.recent(10).forEach((delivery) -> emitted.add(delivery.messageId()));
			});
			assertThat(receiver.posts).isEmpty();
			instance(schema, b, receiver).run((two) -> {
				Await.until(() -> receiver.accepted().size() >= 3, Duration.ofSeconds(30));
				Thread.sleep(500);
			});
			assertThat(receiver.accepted()).extracting(WebhookReceiver.Post::id)
				.containsExactlyInAnyOrderElementsOf(emitted)
				.doesNotHaveDuplicates();
			assertThat(receiver.accepted()).extracting((post) -> post.field("n"))
				.containsExactly("0", "1", "2");
		}
	}

	private static ApplicationListener<ApplicationEvent> listener(List<MeteringNotificationEvent> events) {
		return (event) -> {
			if (event instanceof MeteringNotificationEvent notification) {
				events.add(notification);
			}
		};
	}

	/** Requests from 8 threads, alternating between the instances. */
	private static void send(int requests, List<ConfigurableApplicationContext> instances) throws Exception {
		java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < 8; t++) {
			Thread thread = new Thread(() -> {
				int i;
				while ((i = next.getAndIncrement()) < requests) {
					LeaseInstances.request(instances.get(i % 2), "acme");
				}
			});
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
	}

}
