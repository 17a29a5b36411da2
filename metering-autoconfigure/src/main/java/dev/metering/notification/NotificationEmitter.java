package dev.metering.notification;

import java.time.Clock;
import java.util.Map;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Emits notifications: once per event key across every instance (the outbox's unique key
 * decides), then as a Spring application event on the instance that wrote it. Features that
 * emit the other types (grants, invoices) call {@link #emit}.
 */
public class NotificationEmitter {

	private final WebhookOutbox outbox;

	private final WebhookRegistry webhooks;

	private final ApplicationEventPublisher events;

	private final Clock clock;

	/**
	 * Creates the emitter.
	 * @param outbox the outbox
	 * @param webhooks the endpoints
	 * @param events publishes the application event
	 * @param clock the clock
	 */
	public NotificationEmitter(WebhookOutbox outbox, WebhookRegistry webhooks, ApplicationEventPublisher events,
			Clock clock) {
		this.outbox = outbox;
		this.webhooks = webhooks;
		this.events = events;
		this.clock = clock;
	}

	/**
	 * Emits a notification unless one of the same key was emitted already, by any instance.
	 * @param type its type
	 * @param subject the tenant it is about
	 * @param eventKey what makes it once (at most 512 characters), e.g. the scope, meter,
	 * window and threshold
	 * @param data its fields
	 * @return {@code true} when this call emitted it
	 */
	public boolean emit(NotificationType type, String subject, String eventKey, Map<String, Object> data) {
		MeteringNotificationEvent event = new MeteringNotificationEvent(this, WebhookOutbox.newMessageId(), type,
				subject, this.clock.instant(), data);
		if (!this.outbox.emit(event, type.wireName() + "|" + eventKey, this.webhooks.receiving(type))) {
			return false;
		}
		this.events.publishEvent(event);
		return true;
	}

}
