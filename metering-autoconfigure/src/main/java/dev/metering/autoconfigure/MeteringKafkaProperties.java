package dev.metering.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The Kafka event path, under {@code metering.kafka}: the topic and the producing side. The
 * clients' own settings (bootstrap servers, security, ...) are Boot's {@code spring.kafka.*}.
 */
@ConfigurationProperties("metering.kafka")
public class MeteringKafkaProperties {

	/**
	 * The topic of the usage events (CloudEvents 1.0 JSON, keyed by billing scope).
	 */
	private String topic = "metering.usage-events";

	/**
	 * Partitions of the topic when the kit creates it; the most ledger consumers that share it.
	 */
	private int partitions = 6;

	/**
	 * Replicas of the topic when the kit creates it; -1 for the broker's default.
	 */
	private short replicationFactor = -1;

	/**
	 * The CloudEvents 'source' of the events this instance produces.
	 */
	private String source = "metering";

	/**
	 * How long a batch waits for the broker's acknowledgements before the writer retries it
	 * (and the spool, if on, takes the overflow meanwhile).
	 */
	private Duration sendTimeout = Duration.ofSeconds(30);

	/**
	 * How long a produced batch waits for the ledger consumers to write it before it is sent
	 * again (the consumers skip what they already wrote).
	 */
	private Duration confirmTimeout = Duration.ofMinutes(2);

	/**
	 * How often the consumers' committed offsets are read while a batch waits for them.
	 */
	private Duration progressInterval = Duration.ofMillis(20);

	/**
	 * Writer batches on their way to the ledger at once (produced, waiting for the consumers):
	 * the writer hands on the next while earlier ones wait. 1: one round trip per batch.
	 */
	private int maxInFlight = 4;

	public String getTopic() {
		return this.topic;
	}

	public void setTopic(String topic) {
		this.topic = topic;
	}

	public int getPartitions() {
		return this.partitions;
	}

	public void setPartitions(int partitions) {
		this.partitions = partitions;
	}

	public short getReplicationFactor() {
		return this.replicationFactor;
	}

	public void setReplicationFactor(short replicationFactor) {
		this.replicationFactor = replicationFactor;
	}

	public String getSource() {
		return this.source;
	}

	public void setSource(String source) {
		this.source = source;
	}

	public Duration getSendTimeout() {
		return this.sendTimeout;
	}

	public void setSendTimeout(Duration sendTimeout) {
		this.sendTimeout = sendTimeout;
	}

	public Duration getConfirmTimeout() {
		return this.confirmTimeout;
	}

	public void setConfirmTimeout(Duration confirmTimeout) {
		this.confirmTimeout = confirmTimeout;
	}

	public Duration getProgressInterval() {
		return this.progressInterval;
	}

	public void setProgressInterval(Duration progressInterval) {
		this.progressInterval = progressInterval;
	}

	public int getMaxInFlight() {
		return this.maxInFlight;
	}

	public void setMaxInFlight(int maxInFlight) {
		if (maxInFlight < 1) {
			throw new IllegalArgumentException("metering.kafka.max-in-flight must be at least 1, was " + maxInFlight);
		}
		this.maxInFlight = maxInFlight;
	}

}
