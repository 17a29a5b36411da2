package dev.metering.kafka;

import java.time.Duration;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The ledger consumer's health: up with its lag (records in the topic not yet in the ledger)
 * and counters; down when the broker does not tell the lag, since the ledger then falls behind.
 */
public class LedgerConsumerHealthIndicator extends AbstractHealthIndicator {

	private final LedgerConsumer consumer;

	public LedgerConsumerHealthIndicator(LedgerConsumer consumer) {
		super("Metering ledger consumer health check failed");
		this.consumer = consumer;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		LedgerConsumer.Stats stats = this.consumer.stats();
		builder.withDetail("written", stats.written())
			.withDetail("duplicates", stats.duplicates())
			.withDetail("unreadable", stats.unreadable())
			.withDetail("refused", stats.refused());
		builder.withDetail("lag", this.consumer.lag(Duration.ofSeconds(2))).up();
	}

}
