package dev.metering.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import dev.metering.event.UsageEvent;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.TestSchema;

import static dev.metering.kafka.KafkaInstances.await;
import static dev.metering.kafka.KafkaInstances.consumer;
import static dev.metering.kafka.KafkaInstances.distinctIds;
import static dev.metering.kafka.KafkaInstances.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults on the Kafka path: a consumer process killed mid-batch, the database failing under a
 * consumer, a consumer of a group leaving mid-run (the broker's outage: KafkaBrokerOutageTests). Each ends with every event in the ledger exactly once.
 */
class KafkaLedgerFaultTests extends KafkaBrokerTest {

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
		String group = "three-" + UUID.randomUUID();
		broker.createTopic(topic, 6);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(3);
				HikariDataSource b = database.newDataSource(3); HikariDataSource c = database.newDataSource(3)) {
			String[] settings = { "metering.ledger.consumer.max-batch=300", "metering.ledger.consumer.group=" + group };
			consumer(schema, a, broker, topic, settings).run((one) -> consumer(schema, b, broker, topic, settings)
				.run((two) -> consumer(schema, c, broker, topic, settings).run((three) -> {
					await(Duration.ofMinutes(2), () -> membersWithPartitions(group) == 3, "three consumers share the topic");
					// Half before the third consumer stops, half after: the run goes on past the stop whatever
					// the consumers' speed, and the second half's events on its partitions need the other two.
					List<UsageEvent> events = KafkaInstances.events("g", 60_000, 60);
					KafkaInstances.produce(broker, topic, events.subList(0, 30_000));
					List<LedgerConsumer> consumers = List.of(one.getBean(LedgerConsumer.class),
							two.getBean(LedgerConsumer.class), three.getBean(LedgerConsumer.class));
					await(Duration.ofMinutes(2), () -> consumers.stream().allMatch((x) -> x.stats().written() > 0),
							"each consumer writes its partitions");
					three.close();
					long writtenByThree = consumers.get(2).stats().written();
					assertThat(rows(schema)).as("stopped mid-run").isLessThanOrEqualTo(30_000);
					KafkaInstances.produce(broker, topic, events.subList(30_000, 60_000));
					await(Duration.ofMinutes(4), () -> consumers.get(0).lag(Duration.ofSeconds(10)) == 0,
							"the two left take its partitions and write the rest");
					assertThat(rows(schema)).isEqualTo(60_000);
					assertThat(distinctIds(schema)).isEqualTo(60_000);
					assertThat(consumers.get(0).stats().written() + consumers.get(1).stats().written() + writtenByThree)
						.isEqualTo(60_000);
				})));
		}
	}

	private static int membersWithPartitions(String group) {
		try (org.apache.kafka.clients.admin.Admin admin = broker.admin()) {
			return (int) admin.describeConsumerGroups(List.of(group))
				.all()
				.get(30, TimeUnit.SECONDS)
				.get(group)
				.members()
				.stream()
				.filter((member) -> !member.assignment().topicPartitions().isEmpty())
				.count();
		}
		catch (Exception ex) {
			return 0;
		}
	}

}
