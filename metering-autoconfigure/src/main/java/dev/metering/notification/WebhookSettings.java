package dev.metering.notification;

import java.time.Duration;

/**
 * How webhooks are posted and retried.
 *
 * @param connectTimeout the most a connection may take
 * @param readTimeout the most a response may take
 * @param initialBackoff the wait after the first failed attempt, doubled after each
 * @param maxBackoff the longest wait between attempts
 * @param retryFor how long after its emission a delivery is retried before it is given up
 * @param claimTimeout how long an instance holds a delivery it posts; another instance takes it
 * over after, should the first have died
 * @param pollInterval how often the outbox is read for due deliveries
 */
public record WebhookSettings(Duration connectTimeout, Duration readTimeout, Duration initialBackoff,
		Duration maxBackoff, Duration retryFor, Duration claimTimeout, Duration pollInterval) {
}
