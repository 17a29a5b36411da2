package dev.metering.kafka;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.test.TestSchema;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.kafka.KafkaInstances.consumer;
import static dev.metering.kafka.KafkaInstances.producer;
import static dev.metering.kafka.KafkaInstances.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reads the ledger to decide accounts for events still in the topic: a writer counts a
 * batch as written only once the ledger consumers have committed past it, so until then its
 * usage is this instance's unwritten usage, counted once, neither missing nor twice.
 */
class KafkaLedgerReadingsTests extends KafkaBrokerTest {

	@Test
	void usageInTheTopicCountsAsUnwrittenUntilTheConsumersHaveWrittenIt() throws Exception {
		String topic = "readings-" + UUID.randomUUID();
		broker.createTopic(topic, 3);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource c = database.newDataSource(4)) {
			producer(schema, a, broker, topic, 100, "metering.plans.free.quotas[0].enforcement=soft").run((app) -> {
				int allowed = KafkaLedgerPathTests.send(30, 4, (i) -> app, (i) -> "acme", LeaseInstances.METER);
				assertThat(allowed).isEqualTo(30);
				BufferedLedgerWriter writer = app.getBean(BufferedLedgerWriter.class);
				// No consumer yet: the events are in the topic, not in the ledger, and not written.
				assertThat(writer.flush(Duration.ofSeconds(3))).isFalse();
				assertThat(rows(schema)).isZero();
				assertThat(used(app)).isEqualTo(30);
				consumer(schema, c, broker, topic).run((ledger) -> {
					assertThat(writer.flush(Duration.ofMinutes(2))).isTrue();
					assertThat(rows(schema)).isEqualTo(30);
					assertThat(used(app)).isEqualTo(30);
				});
			});
		}
	}

	private static long used(ConfigurableApplicationContext app) {
		QuotaEnforcementService quotas = app.getBean(QuotaEnforcementService.class);
		return quotas.status(List.of("acme"), LeaseInstances.METER, quotas.getClock().instant())
			.used()
			.longValueExact();
	}


	@Test
	void anEventOlderThanTheLateWindowWhenConsumedIsRefusedAsTheWriterWould() {
		String topic = "late-" + UUID.randomUUID();
		broker.createTopic(topic, 1);
		java.time.Instant now = java.time.Instant.now();
		KafkaInstances.produce(broker, topic,
				List.of(dev.metering.event.UsageEvent.builder("acme", "api.calls").occurredAt(now.minus(Duration.ofDays(40))).build(),
						dev.metering.event.UsageEvent.builder("acme", "api.calls").occurredAt(now).build()));
		try (TestSchema schema = database.newSchema(); HikariDataSource c = database.newDataSource(4)) {
			consumer(schema, c, broker, topic, "metering.ledger.late-window=35d").run((ledger) -> {
				LedgerConsumer consumer = ledger.getBean(LedgerConsumer.class);
				KafkaInstances.await(Duration.ofMinutes(1), () -> consumer.lag(Duration.ofSeconds(10)) == 0, "consumed");
				assertThat(rows(schema)).isEqualTo(1);
				assertThat(consumer.stats().refused()).isEqualTo(1);
			});
		}
	}

}
