package dev.metering.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

/**
 * The Kafka client settings of the sink's producer and the ledger consumers: what the path
 * promises is set whatever the given properties say; the rest are defaults for a stream of small
 * records in large writer batches, set only where the given properties ({@code spring.kafka.*})
 * leave them unset.
 */
public final class KafkaClientDefaults {

	/** Producer batches per partition of up to 256 KiB: a writer batch in few requests. */
	static final int PRODUCER_BATCH_BYTES = 256 * 1024;

	/** A consumer fetch waits for up to 256 KiB or 100 ms: fewer, fuller fetches. */
	static final int CONSUMER_FETCH_MIN_BYTES = 256 * 1024;

	static final int CONSUMER_FETCH_MAX_WAIT_MS = 100;

	/** Per partition per fetch, 4 MiB: a poll of max-batch records in one fetch. */
	static final int CONSUMER_PARTITION_FETCH_BYTES = 4 * 1024 * 1024;

	private KafkaClientDefaults() {
	}

	/**
	 * The sink's producer properties.
	 * @param given the properties to start from, such as Boot's producer properties
	 * @return a new map: idempotent, {@code acks=all}, keys and values as bytes (the sink encodes the
	 * billing scope and the CloudEvents JSON itself); batching defaults
	 */
	public static Map<String, Object> producer(Map<String, Object> given) {
		Map<String, Object> producer = new HashMap<>(given);
		// Exactly once into the topic per send: what the sink promises does not depend on spring.kafka.*.
		producer.put(ProducerConfig.ACKS_CONFIG, "all");
		producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		producer.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, PRODUCER_BATCH_BYTES);
		return producer;
	}

	/**
	 * The ledger consumers' properties.
	 * @param given the properties to start from, such as Boot's consumer properties
	 * @param maxBatch the most records of one poll, one ledger transaction
	 * @return a new map: no auto-commit, {@code max.poll.records} the batch, keys and values as
	 * {@link java.nio.ByteBuffer}s over the fetched bytes (no copy; the consumer decodes the JSON from them);
	 * the earliest offset for a new group; fetch defaults
	 */
	public static Map<String, Object> consumer(Map<String, Object> given, int maxBatch) {
		Map<String, Object> consumer = new HashMap<>(given);
		// Offsets are committed by the consumer after the database commit, never automatically.
		consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch);
		consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class);
		consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class);
		// A group that starts after events were produced reads them from the beginning.
		consumer.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		consumer.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, CONSUMER_FETCH_MIN_BYTES);
		consumer.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, CONSUMER_FETCH_MAX_WAIT_MS);
		consumer.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, CONSUMER_PARTITION_FETCH_BYTES);
		return consumer;
	}

}
