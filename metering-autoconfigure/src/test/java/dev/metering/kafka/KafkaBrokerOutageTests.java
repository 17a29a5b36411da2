package dev.metering.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.EventSpool;
import dev.metering.test.TestSchema;

import static dev.metering.kafka.KafkaInstances.consumer;
import static dev.metering.kafka.KafkaInstances.distinctIds;
import static dev.metering.kafka.KafkaInstances.producer;
import static dev.metering.kafka.KafkaInstances.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker stopped for 30 s under load, on a broker of this class's own (a restarted broker
 * takes a while to lead new partitions again, which the other tests need not wait for).
 */
class KafkaBrokerOutageTests extends KafkaBrokerTest {

	@Test
	void theBrokerStoppedThirtySecondsUnderLoadLosesNothingWithTheSpool(@TempDir Path spool) throws Exception {
		String topic = "outage-" + UUID.randomUUID();
		broker.createTopic(topic, 3);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource c = database.newDataSource(4)) {
			consumer(schema, c, broker, topic).run((ledger) -> producer(schema, a, broker, topic, 1000,
					"metering.writer.spool.enabled=true", "metering.writer.spool.directory=" + spool,
					"metering.kafka.send-timeout=5s", "metering.writer.retry.max-backoff=2s",
					// A small buffer: the outage's events overflow onto the spool's disk.
					"metering.writer.capacity=2000", "metering.writer.batch-size=1000")
				.run((app) -> {
					UsageRecorder recorder = app.getBean(UsageRecorder.class);
					AtomicBoolean running = new AtomicBoolean(true);
					AtomicInteger recorded = new AtomicInteger();
					AtomicInteger refused = new AtomicInteger();
					Thread load = new Thread(() -> {
						long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
						while (running.get() && System.nanoTime() < deadline) {
							for (int i = 0; i < 50; i++) {
								try {
									recorder.record(UsageEvent.builder("o" + (recorded.get() % 20), "api.calls").build());
									recorded.incrementAndGet();
								}
								catch (RuntimeException ex) {
									refused.incrementAndGet();
								}
							}
							KafkaBroker.sleep(20);
						}
					});
					load.start();
					KafkaBroker.sleep(5_000);
					broker.stop();
					KafkaBroker.sleep(30_000);
					broker.startAgain();
					load.join();
					BufferedLedgerWriter writer = app.getBean(BufferedLedgerWriter.class);
					assertThat(writer.flush(Duration.ofMinutes(3))).isTrue();
					assertThat(refused.get()).isZero();
					// The writer was held by the outage (retrying, or waiting for the broker): the buffer filled.
					assertThat(app.getBean(EventSpool.class).stats().overflowed()).as("events kept on disk").isPositive();
					assertThat(recorded.get()).isGreaterThan(10_000);
					assertThat(rows(schema)).isEqualTo(recorded.get());
					assertThat(distinctIds(schema)).isEqualTo(recorded.get());
				}));
		}
	}

}
