package dev.metering.autoconfigure.health;

import java.util.Map;

import dev.metering.notification.WebhookDelivery;
import dev.metering.notification.WebhookOutbox;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The webhook outbox in the health endpoint ({@code meteringWebhooks}): how many deliveries are
 * pending, delivered and given up, and the latest failure. A receiver that fails is not this
 * application's illness: the status is DOWN only when the outbox cannot be read.
 */
public class WebhookHealthIndicator extends AbstractHealthIndicator {

	private final WebhookOutbox outbox;

	/**
	 * Creates the indicator.
	 * @param outbox the outbox
	 */
	public WebhookHealthIndicator(WebhookOutbox outbox) {
		super("Webhook outbox health check failed");
		this.outbox = outbox;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Map<String, Long> counts = this.outbox.counts();
		builder.up()
			.withDetail("notifications", counts.getOrDefault("event", 0L))
			.withDetail("pending", counts.getOrDefault("pending", 0L))
			.withDetail("delivered", counts.getOrDefault("delivered", 0L))
			.withDetail("failed", counts.getOrDefault("failed", 0L));
		this.outbox.recent(50)
			.stream()
			.filter((delivery) -> delivery.lastError() != null)
			.findFirst()
			.ifPresent((failure) -> builder.withDetail("lastFailure", describe(failure)));
	}

	private static Map<String, Object> describe(WebhookDelivery failure) {
		return Map.of("messageId", failure.messageId(), "url", failure.url(), "state", failure.state(), "attempts",
				failure.attempts(), "error", String.valueOf(failure.lastError()));
	}

}
