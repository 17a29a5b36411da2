/**
 * Notifications: quota thresholds, the events of the kit ({@code quota.threshold_reached},
 * {@code quota.exceeded}, ...) as Spring application events, and their delivery to webhooks
 * from a transactional outbox, signed per the Standard Webhooks specification.
 */
@NullMarked
package dev.metering.notification;

import org.jspecify.annotations.NullMarked;
