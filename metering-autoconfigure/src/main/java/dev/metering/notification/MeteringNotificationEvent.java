package dev.metering.notification;

import java.time.Instant;
import java.util.Map;

import org.springframework.context.ApplicationEvent;

/**
 * A notification, published as a Spring application event on the one instance that emitted it
 * (the outbox decides which), after its webhook deliveries were written.
 */
public class MeteringNotificationEvent extends ApplicationEvent {

	private final String id;

	private final NotificationType type;

	private final String subject;

	private final Instant time;

	private final Map<String, Object> data;

	/**
	 * Creates the event.
	 * @param source the emitter
	 * @param id the notification's id, the webhooks' {@code webhook-id}
	 * @param type its type
	 * @param subject the tenant (or billing scope) it is about
	 * @param time when it happened
	 * @param data its fields (strings, numbers, booleans)
	 */
	public MeteringNotificationEvent(Object source, String id, NotificationType type, String subject, Instant time,
			Map<String, Object> data) {
		super(source);
		this.id = id;
		this.type = type;
		this.subject = subject;
		this.time = time;
		this.data = Map.copyOf(data);
	}

	/** @return the notification's id, the same in every webhook delivery of it */
	public String getId() {
		return this.id;
	}

	/** @return its type */
	public NotificationType getType() {
		return this.type;
	}

	/** @return the tenant it is about */
	public String getSubject() {
		return this.subject;
	}

	/** @return when it happened */
	public Instant getTime() {
		return this.time;
	}

	/** @return its fields */
	public Map<String, Object> getData() {
		return this.data;
	}

}
