package dev.metering.notification;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One webhook delivery as the outbox holds it, for the admin API and Actuator.
 *
 * @param messageId the {@code webhook-id}, the notification's id
 * @param url the endpoint
 * @param type the notification's wire name
 * @param state {@code pending}, {@code delivered} or {@code failed} (given up)
 * @param attempts the posts made
 * @param createdAt when the notification was emitted
 * @param doneAt when it was delivered or given up, {@code null} while pending
 * @param lastStatus the last HTTP status, {@code null} when none came back
 * @param lastError why the last attempt failed, {@code null} when it did not
 */
public record WebhookDelivery(String messageId, String url, String type, String state, int attempts,
		Instant createdAt, @Nullable Instant doneAt, @Nullable Integer lastStatus, @Nullable String lastError) {
}
