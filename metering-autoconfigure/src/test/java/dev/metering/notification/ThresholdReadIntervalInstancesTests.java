package dev.metering.notification;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

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
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The threshold watcher reads a written pair again only when its own writes since its last read
 * may have reached the next threshold, or when that read is a read interval old: a crossing
 * made of two instances' usage, where neither instance's own writes reach it, is still emitted
 * exactly once, within the read interval after the last write, or by the last check of an
 * instance that stops. Two instances are two contexts on separate pools to one database.
 */
class ThresholdReadIntervalInstancesTests {

	private static ApplicationContextRunner instance(TestSchema schema, HikariDataSource dataSource,
			String readInterval) {
		return LeaseInstances.instance(schema, dataSource, Clock.systemUTC(), 100, "day",
				"metering.plans.free.quotas[0].thresholds=50%", "metering.webhooks.threshold-check-interval=50ms",
				"metering.webhooks.threshold-read-interval=" + readInterval)
			.withConfiguration(AutoConfigurations.of(MeteringNotificationAutoConfiguration.class));
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aCrossingOfBothInstancesUsageIsEmittedOnceWithinTheReadIntervalAfterTheLastWrite(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, "2s").run((one) -> instance(schema, b, "2s").run((two) -> {
				crossTogether(one, two);
				Await.until(() -> notifications(schema).size() == 1, Duration.ofSeconds(30));
				// Both instances read it by now (the second finds it emitted): still one.
				Thread.sleep(3000);
				assertThat(notifications(schema)).containsExactly("quota.threshold_reached 50%");
				assertThat(bodies(schema)).singleElement().asString().contains("\"used\":52");
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aPairNotReadSinceItsLastWriteIsReadByTheLastCheckOfAStoppingInstance(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, "1h").run((one) -> {
				instance(schema, b, "1h").run((two) -> {
					crossTogether(one, two);
					// Neither instance's own writes reach 50% and their reads are recent: nothing read.
					Thread.sleep(1500);
					assertThat(notifications(schema)).isEmpty();
				});
				// The second instance's last check read its pending pair: 52.
				assertThat(notifications(schema)).containsExactly("quota.threshold_reached 50%");
				assertThat(bodies(schema)).singleElement().asString().contains("\"used\":52");
			});
			assertThat(notifications(schema)).hasSize(1);
		}
	}

	/**
	 * 20 requests on each instance, each read by its watcher (40 in all), then 6 more on each:
	 * 52, past 50% of 100, while each instance's last read plus its own 6 stays below 50.
	 */
	private static void crossTogether(ConfigurableApplicationContext one, ConfigurableApplicationContext two)
			throws InterruptedException {
		send(one, 20);
		Thread.sleep(500);
		send(two, 20);
		Thread.sleep(500);
		send(one, 6);
		send(two, 6);
	}

	private static void send(ConfigurableApplicationContext instance, int requests) {
		for (int i = 0; i < requests; i++) {
			assertThat(LeaseInstances.request(instance, "acme")).isTrue();
		}
		LeaseInstances.flush(instance);
	}

	private static List<String> notifications(TestSchema schema) {
		return schema.jdbc()
			.queryForList("SELECT event_type, event_key FROM " + schema.prefix()
					+ "webhook_outbox WHERE state = 'event' ORDER BY seq")
			.stream()
			.map((row) -> row.get("event_type") + " "
					+ row.get("event_key").toString().substring(row.get("event_key").toString().lastIndexOf('|') + 1))
			.toList();
	}

	private static List<String> bodies(TestSchema schema) {
		return schema.jdbc()
			.queryForList("SELECT body FROM " + schema.prefix() + "webhook_outbox WHERE state = 'event'", String.class);
	}

}
