package dev.metering.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The ledger consumer, under {@code metering.ledger.consumer}: it writes the Kafka topic
 * ({@code metering.kafka.topic}) into the ledger.
 */
@ConfigurationProperties("metering.ledger.consumer")
public class MeteringLedgerConsumerProperties {

	/**
	 * Whether this instance runs ledger consumers. Any instance may, or a deployment of its own.
	 */
	private boolean enabled;

	/**
	 * The consumers' group: consumers of one group share the topic's partitions. Writers with
	 * metering.sink=kafka wait for this group to write their batches.
	 */
	private String group = "metering-ledger";

	/**
	 * Consumers in this instance, each with a share of the partitions.
	 */
	private int concurrency = 1;

	/**
	 * The most records one ledger transaction takes (the consumers' max.poll.records).
	 */
	private int maxBatch = 5_000;

	/**
	 * The wait before a batch the database failed is written again.
	 */
	private Duration retryBackoff = Duration.ofSeconds(1);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getGroup() {
		return this.group;
	}

	public void setGroup(String group) {
		this.group = group;
	}

	public int getConcurrency() {
		return this.concurrency;
	}

	public void setConcurrency(int concurrency) {
		this.concurrency = concurrency;
	}

	public int getMaxBatch() {
		return this.maxBatch;
	}

	public void setMaxBatch(int maxBatch) {
		this.maxBatch = maxBatch;
	}

	public Duration getRetryBackoff() {
		return this.retryBackoff;
	}

	public void setRetryBackoff(Duration retryBackoff) {
		this.retryBackoff = retryBackoff;
	}

}
