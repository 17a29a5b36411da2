package dev.metering.kafka;

import java.time.Duration;

/**
 * How the ledger consumer reads the topic.
 *
 * @param topic the events' topic
 * @param group the consumers' group: consumers of one group share the topic's partitions
 * @param concurrency consumers in this instance (each takes a share of the partitions)
 * @param maxBatch the most records one batch (one database transaction) takes
 * @param retryBackoff the wait before a batch the database failed is written again
 */
public record LedgerConsumerSettings(String topic, String group, int concurrency, int maxBatch,
		Duration retryBackoff) {

}
