package dev.metering.kafka;

import java.time.Duration;

/**
 * How the sink produces events and learns that they are in the ledger.
 *
 * @param topic the events' topic
 * @param partitions partitions of the topic when the sink creates it
 * @param replicationFactor replicas of the topic when the sink creates it ({@code -1}: the broker's default)
 * @param consumerGroup the ledger consumers' group, whose committed offsets say what is in the ledger
 * @param source the CloudEvents {@code source} of the events this instance produces
 * @param sendTimeout how long a batch may wait for the broker's acknowledgements before it is retried
 * @param confirmTimeout how long a batch may wait for the consumers to write it before it is sent again
 * @param progressInterval how often the consumers' committed offsets are read while a batch waits
 * @param maxInFlight writer batches on their way at once (produced, not yet written by the consumers)
 */
public record KafkaSinkSettings(String topic, int partitions, short replicationFactor, String consumerGroup,
		String source, Duration sendTimeout, Duration confirmTimeout, Duration progressInterval, int maxInFlight) {

}
