package dev.metering.kafka;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * How the ledger consumer reads the topic.
 *
 * @param topic the events' topic
 * @param group the consumers' group: consumers of one group share the topic's partitions
 * @param concurrency consumers in this instance (each takes a share of the partitions)
 * @param maxBatch the most records one batch (one database transaction) takes
 * @param retryBackoff the wait before a batch the database failed is written again
 * @param lateWindow how old an event may be when written, {@code null} for any age: an event
 * can wait in the topic past the window its writer checked, and its period may have closed since
 */
public record LedgerConsumerSettings(String topic, String group, int concurrency, int maxBatch,
		Duration retryBackoff, @Nullable Duration lateWindow) {

}
