package dev.metering.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the ledger consumers' group has come: the offsets it committed, which it commits only
 * after the database commit, so every record below a committed offset is in the ledger.
 */
final class ConsumerGroupProgress implements AutoCloseable {

	private final Admin admin;

	private final String group;

	private final String topic;

	ConsumerGroupProgress(Map<String, Object> adminProperties, String group, String topic) {
		this.admin = Admin.create(adminProperties);
		this.group = group;
		this.topic = topic;
	}

	/** The group's committed offsets (the next record to read) of the topic's partitions. */
	Map<TopicPartition, Long> committed(Duration timeout) {
		Map<TopicPartition, OffsetAndMetadata> offsets = get(this.admin
			.listConsumerGroupOffsets(this.group, new ListConsumerGroupOffsetsOptions())
			.partitionsToOffsetAndMetadata(), timeout);
		Map<TopicPartition, Long> committed = new HashMap<>();
		offsets.forEach((partition, offset) -> {
			if (offset != null && partition.topic().equals(this.topic)) {
				committed.put(partition, offset.offset());
			}
		});
		return committed;
	}

	/**
	 * Whether the group has committed past every given record.
	 * @param produced the highest offset produced per partition
	 */
	boolean passed(Map<TopicPartition, Long> produced, Duration timeout) {
		Map<TopicPartition, Long> committed = committed(timeout);
		for (Map.Entry<TopicPartition, Long> entry : produced.entrySet()) {
			Long next = committed.get(entry.getKey());
			if (next == null || next <= entry.getValue()) {
				return false;
			}
		}
		return true;
	}

	/** Records in the topic that the group has not committed yet, over all partitions. */
	long lag(Duration timeout) {
		TopicDescription description = get(this.admin.describeTopics(java.util.List.of(this.topic))
			.allTopicNames(), timeout).get(this.topic);
		Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
		description.partitions().forEach((p) -> latest.put(new TopicPartition(this.topic, p.partition()), OffsetSpec.latest()));
		Map<TopicPartition, Long> committed = committed(timeout);
		long lag = 0;
		for (var entry : get(this.admin.listOffsets(latest).all(), timeout).entrySet()) {
			lag += Math.max(0, entry.getValue().offset() - committed.getOrDefault(entry.getKey(), 0L));
		}
		return lag;
	}

	Admin admin() {
		return this.admin;
	}

	private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future, Duration timeout) {
		try {
			return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new KafkaPathException("interrupted while asking the broker", ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new KafkaPathException("the broker did not answer: " + ex.getMessage(), ex);
		}
	}

	@Override
	public void close() {
		this.admin.close(Duration.ofSeconds(5));
	}

}
