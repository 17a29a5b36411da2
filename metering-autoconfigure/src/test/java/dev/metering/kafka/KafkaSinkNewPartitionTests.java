package dev.metering.kafka;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.metering.event.UsageEvent;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A topic's new partitions and the idempotent producer: brokers before Kafka 4.5 (KAFKA-15591)
 * take a producer's later request when its first one was refused while the new partition's leader
 * loaded, and answer the first one's retries {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until they
 * expire (the Kafka path benchmark's batches stalled for minutes on it). The sink therefore sends
 * one record to a partition its producer has not written yet, and the rest only once the broker
 * acknowledged it.
 */
class KafkaSinkNewPartitionTests extends KafkaBrokerTest {

	@Test
	void noRecordFollowsAPartitionsFirstBeforeTheBrokerAcknowledgedItAndEveryRecordIsInTheTopicOnce() throws Exception {
		String topic = "new-partitions-" + java.util.UUID.randomUUID();
		Recording recording = new Recording();
		Map<String, Object> producer = KafkaClientDefaults
			.producer(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
		DefaultKafkaProducerFactory<byte[], byte[]> factory = new DefaultKafkaProducerFactory<>(producer) {

			@Override
			public Producer<byte[], byte[]> createProducer() {
				return recording.wrap(super.createProducer());
			}

		};
		// The sink creates the topic itself and produces to it at once, as on an application's first start.
		KafkaLedgerSink sink = new KafkaLedgerSink(factory,
				Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new KafkaSinkSettings(topic,
						6, (short) -1, "new-partitions", "metering-test", Duration.ofSeconds(60), Duration.ofMinutes(2),
						Duration.ofMillis(20), 1));
		try {
			List<UsageEvent> events = KafkaInstances.events("new-partition-", 6_000, 60);
			Map<TopicPartition, Long> first = sink.produce(events.subList(0, 3_000));
			Map<TopicPartition, Long> second = sink.produce(events.subList(3_000, 6_000));

			assertThat(recording.unacknowledgedFirsts).as("records sent while their partition's first was unacknowledged")
				.isEmpty();
			assertThat(recording.firstPerPartition).hasSize(6);
			assertThat(recording.flushes).as("partitions primed once, in the first batch").hasValue(1);
			assertThat(recording.sends).hasValue(6_000);
			assertThat(first).hasSize(6);
			// A new topic's offsets start at 0: the last offsets say how many records each partition holds.
			long inTopic = second.values().stream().mapToLong((last) -> last + 1).sum();
			assertThat(inTopic).isEqualTo(6_000);
		}
		finally {
			sink.destroy();
		}
	}

	/** Records each send: a partition's first record's acknowledgement, and later sends that came before it. */
	private static final class Recording {

		final Map<Integer, Future<?>> firstPerPartition = new HashMap<>();

		final List<Integer> unacknowledgedFirsts = new ArrayList<>();

		final AtomicInteger sends = new AtomicInteger();

		final AtomicInteger flushes = new AtomicInteger();

		@SuppressWarnings("unchecked")
		Producer<byte[], byte[]> wrap(Producer<byte[], byte[]> producer) {
			return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
					new Class<?>[] { Producer.class }, (proxy, method, args) -> {
						Object result;
						try {
							result = method.invoke(producer, args);
						}
						catch (InvocationTargetException ex) {
							throw ex.getCause();
						}
						if (method.getName().equals("send")) {
							record((ProducerRecord<?, ?>) args[0], (Future<?>) result);
						}
						else if (method.getName().equals("flush")) {
							this.flushes.incrementAndGet();
						}
						return result;
					});
		}

		private synchronized void record(ProducerRecord<?, ?> record, Future<?> sent) {
			this.sends.incrementAndGet();
			Future<?> first = this.firstPerPartition.putIfAbsent(record.partition(), sent);
			if (first != null && !first.isDone()) {
				this.unacknowledgedFirsts.add(record.partition());
			}
		}

	}

}
