package dev.metering.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.EventSpool;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import static dev.metering.kafka.KafkaInstances.await;
import static dev.metering.kafka.KafkaInstances.consumer;
import static dev.metering.kafka.KafkaInstances.distinctIds;
import static dev.metering.kafka.KafkaInstances.producer;
import static dev.metering.kafka.KafkaInstances.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults on the Kafka path: a consumer process killed mid-batch, the broker stopped under load,
 * a consumer of a group leaving mid-run. Each ends with every event in the ledger exactly once.
 */
class KafkaLedgerFaultTests {

	private static final TestDatabase database = TestDatabase.POSTGRESQL;

	private static KafkaBroker broker;

	@BeforeAll
	static void startBroker() {
		broker = KafkaBroker.start();
	}

	@AfterAll
	static void stopBroker() {
		broker.close();
	}

	@Test
	void aConsumerProcessKilledMidBatchAndRestartedLosesNothingAndDoublesNothing() throws Exception {
		String topic = "killed-" + UUID.randomUUID();
		broker.createTopic(topic, 3);
		List<UsageEvent> events = KafkaInstances.events("k", 60_000, 30);
		KafkaInstances.produce(broker, topic, events);
		try (TestSchema schema = database.newSchema();
				ConsumerGroupProgress progress = new ConsumerGroupProgress(
						Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), KafkaInstances.GROUP,
						topic)) {
			Path log = Files.createTempFile("metering-consumer", ".log");
			Process first = startConsumer(schema, topic, log);
			try {
				await(Duration.ofMinutes(3), () -> rows(schema) >= 15_000, "the first consumer writes");
			}
			finally {
				first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook, mid-batch
			}
			long atKill = rows(schema);
			assertThat(atKill).isLessThan(60_000);
			Process second = startConsumer(schema, topic, log);
			try {
				await(Duration.ofMinutes(4), () -> progress.lag(Duration.ofSeconds(10)) == 0,
						"the restarted consumer writes the rest");
			}
			finally {
				second.destroy();
				second.waitFor(30, TimeUnit.SECONDS);
			}
			assertThat(rows(schema)).isEqualTo(60_000);
			assertThat(distinctIds(schema)).isEqualTo(60_000);
		}
	}

	private static Process startConsumer(TestSchema schema, String topic, Path log) throws IOException {
		return new ProcessBuilder(KafkaBroker.javaCommand(), "-Xmx256m", "-XX:+UseSerialGC", "-cp",
				KafkaBroker.testClassPath(), LedgerConsumerProcess.class.getName(), database.jdbcUrl(), schema.prefix(),
				broker.bootstrapServers(), topic, "500")
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
	}

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
					assertThat(writer.stats().retries()).as("batches retried during the outage").isPositive();
					assertThat(app.getBean(EventSpool.class).stats().overflowed()).as("events kept on disk").isPositive();
					assertThat(recorded.get()).isGreaterThan(10_000);
					assertThat(rows(schema)).isEqualTo(recorded.get());
					assertThat(distinctIds(schema)).isEqualTo(recorded.get());
				}));
		}
	}

	@Test
	void aBatchTheDatabaseFailedOrCommittedWithoutTellingIsWrittenAgainOnceAndItsOffsetsWait() throws Exception {
		String topic = "database-" + UUID.randomUUID();
		broker.createTopic(topic, 3);
		KafkaInstances.produce(broker, topic, KafkaInstances.events("d", 10_000, 10));
		try (TestSchema schema = database.newSchema(); HikariDataSource pool = database.newDataSource(4)) {
			FaultyDataSource faulty = new FaultyDataSource(pool);
			faulty.mode(FaultyDataSource.Mode.FAIL);
			consumer(schema, faulty, broker, topic, "metering.ledger.consumer.max-batch=1000").run((ledger) -> {
				LedgerConsumer consumer = ledger.getBean(LedgerConsumer.class);
				await(Duration.ofMinutes(1), () -> faulty.refusedCalls() > 0, "the consumer tries the database");
				KafkaBroker.sleep(2_000);
				assertThat(rows(schema)).isZero();
				assertThat(consumer.lag(Duration.ofSeconds(10))).as("nothing committed while the database fails")
					.isEqualTo(10_000);
				// The database commits, the acknowledgement is lost: the batch is written again, and skipped.
				faulty.mode(FaultyDataSource.Mode.FAIL_AFTER_COMMIT);
				await(Duration.ofMinutes(1), () -> rows(schema) > 0, "a batch commits without its acknowledgement");
				faulty.mode(FaultyDataSource.Mode.NORMAL);
				await(Duration.ofMinutes(2), () -> consumer.lag(Duration.ofSeconds(10)) == 0, "the consumer catches up");
				assertThat(rows(schema)).isEqualTo(10_000);
				assertThat(distinctIds(schema)).isEqualTo(10_000);
				assertThat(consumer.stats().duplicates()).isPositive();
			});
		}
	}

	@Test
	void threeConsumersOfOneGroupShareSixPartitionsAndOneLeavingMidRunKeepsItExact() throws Exception {
		String topic = "group-" + UUID.randomUUID();
		broker.createTopic(topic, 6);
		KafkaInstances.produce(broker, topic, KafkaInstances.events("g", 60_000, 60));
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(3);
				HikariDataSource b = database.newDataSource(3); HikariDataSource c = database.newDataSource(3)) {
			String[] small = { "metering.ledger.consumer.max-batch=300" };
			consumer(schema, a, broker, topic, small).run((one) -> consumer(schema, b, broker, topic, small)
				.run((two) -> consumer(schema, c, broker, topic, small).run((three) -> {
					await(Duration.ofMinutes(2), () -> rows(schema) >= 15_000, "the group writes");
					three.close();
					await(Duration.ofMinutes(4), () -> one.getBean(LedgerConsumer.class).lag(Duration.ofSeconds(10)) == 0,
							"the two left write the rest");
					assertThat(rows(schema)).isEqualTo(60_000);
					assertThat(distinctIds(schema)).isEqualTo(60_000);
					long written = one.getBean(LedgerConsumer.class).stats().written()
							+ two.getBean(LedgerConsumer.class).stats().written();
					assertThat(written).isPositive().isLessThan(60_000);
				})));
		}
	}

}
