package dev.metering.kafka;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka path's client settings from Boot's {@code spring.kafka.*}: the path's promises always,
 * the batching defaults only where the user set nothing.
 */
class KafkaClientDefaultsTests {

	@Test
	void unsetBootPropertiesGetThePathsDefaults() {
		KafkaProperties boot = new KafkaProperties();

		Map<String, Object> producer = KafkaClientDefaults.producer(boot.buildProducerProperties());
		Map<String, Object> consumer = KafkaClientDefaults.consumer(boot.buildConsumerProperties(), 5000);

		assertThat(producer).containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, KafkaClientDefaults.PRODUCER_BATCH_BYTES)
			.containsEntry(ProducerConfig.ACKS_CONFIG, "all")
			.containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		assertThat(consumer).containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, KafkaClientDefaults.CONSUMER_FETCH_MIN_BYTES)
			.containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, KafkaClientDefaults.CONSUMER_FETCH_MAX_WAIT_MS)
			.containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
					KafkaClientDefaults.CONSUMER_PARTITION_FETCH_BYTES)
			.containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000)
			.containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
			.containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
	}

	@Test
	void whatTheUserSetWinsExceptThePathsPromises() {
		KafkaProperties boot = new KafkaProperties();
		boot.getProducer().setBatchSize(DataSize.ofKilobytes(32));
		boot.getProducer().setAcks("1");
		boot.getProducer().getProperties().put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
		boot.getConsumer().setFetchMinSize(DataSize.ofBytes(1));
		boot.getConsumer().setFetchMaxWait(Duration.ofMillis(500));
		boot.getConsumer().setEnableAutoCommit(true);
		boot.getConsumer().setMaxPollRecords(10);
		boot.getConsumer().setAutoOffsetReset("latest");

		Map<String, Object> producer = KafkaClientDefaults.producer(boot.buildProducerProperties());
		Map<String, Object> consumer = KafkaClientDefaults.consumer(boot.buildConsumerProperties(), 5000);

		assertThat(producer).containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, 32 * 1024)
			.containsEntry(ProducerConfig.ACKS_CONFIG, "all")
			.containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
			.containsEntry(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		assertThat(consumer).containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1)
			.containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500)
			.containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000)
			.containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
			.containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
	}

}
