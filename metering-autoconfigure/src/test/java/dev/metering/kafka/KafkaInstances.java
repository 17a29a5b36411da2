package dev.metering.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.metering.autoconfigure.MeteringKafkaSinkAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerConsumerAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.quota.LeaseInstances;
import dev.metering.test.TestSchema;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Application instances on the Kafka path: producers (the writer's sink is the topic, hard quotas
 * leased from the database) and ledger consumers, each its own context on its own pool.
 */
final class KafkaInstances {

	static final String GROUP = "metering-ledger";

	private KafkaInstances() {
	}

	/** An instance that produces to the topic, with a hard quota of {@code limit} a day on {@link LeaseInstances#METER}. */
	static ApplicationContextRunner producer(TestSchema schema, DataSource dataSource, KafkaBroker broker, String topic,
			long limit, String... more) {
		return LeaseInstances.instance(schema, dataSource, Clock.systemUTC(), limit, "day")
			.withConfiguration(AutoConfigurations.of(MeteringKafkaSinkAutoConfiguration.class))
			.withPropertyValues(kafka(broker, topic))
			.withPropertyValues("metering.sink=kafka", "metering.writer.flush-interval=20ms")
			.withPropertyValues(more);
	}

	/** An instance that runs ledger consumers (and the rollup, run by hand). */
	static ApplicationContextRunner consumer(TestSchema schema, DataSource dataSource, KafkaBroker broker, String topic,
			String... more) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringLedgerConsumerAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues(kafka(broker, topic))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.ledger.consumer.enabled=true",
					"metering.ledger.consumer.retry-backoff=200ms")
			.withPropertyValues(more);
	}

	private static String[] kafka(KafkaBroker broker, String topic) {
		return new String[] { "spring.kafka.bootstrap-servers=" + broker.bootstrapServers(),
				"metering.kafka.topic=" + topic, "metering.ledger.consumer.group=" + GROUP,
				"spring.kafka.consumer.properties[session.timeout.ms]=10000",
				"spring.kafka.consumer.properties[heartbeat.interval.ms]=1000" };
	}

	/** Produces events straight to the topic as the sink does, without waiting for consumers. */
	static void produce(KafkaBroker broker, String topic, List<UsageEvent> events) {
		CloudEventJson json = new CloudEventJson("metering-test");
		try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
				ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
				ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5,
				ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000,
				// One request in flight: a first batch refused while the new partition's leader loads is
				// retried without the out-of-order sequence loop several in flight can fall into.
				ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
				new ByteArraySerializer(), new ByteArraySerializer())) {
			List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
			for (UsageEvent event : events) {
				sent.add(producer.send(new ProducerRecord<>(topic,
						event.billingScopeId().getBytes(java.nio.charset.StandardCharsets.UTF_8), json.encode(event))));
			}
			for (java.util.concurrent.Future<?> future : sent) {
				future.get(300, TimeUnit.SECONDS);
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	static List<UsageEvent> events(String tenantPrefix, int count, int tenants) {
		List<UsageEvent> events = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			events.add(UsageEvent.builder(tenantPrefix + (i % tenants), "api.calls").dimension("n", Integer.toString(i)).build());
		}
		return events;
	}

	static void await(Duration timeout, BooleanSupplier condition, String what) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("not within " + timeout + ": " + what);
			}
			KafkaBroker.sleep(100);
		}
	}

	static long rows(TestSchema schema) {
		return schema.eventCount();
	}

	static long distinctIds(TestSchema schema) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(DISTINCT event_id) FROM " + schema.tables().usageEvent(), Long.class);
		return (count != null) ? count : 0;
	}

}
