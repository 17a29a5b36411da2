package dev.metering.notification;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

/**
 * The webhooks notifications go to: those of {@code metering.webhooks.endpoints}, and those
 * registered in Java. Keyed by URL: registering a URL again replaces its secret and events.
 */
public class WebhookRegistry {

	private final Map<String, WebhookEndpoint> byId = new ConcurrentHashMap<>();

	private final List<String> order = new CopyOnWriteArrayList<>();

	/**
	 * Creates the registry.
	 * @param configured the endpoints of the configuration
	 */
	public WebhookRegistry(List<WebhookEndpoint> configured) {
		configured.forEach(this::register);
	}

	/**
	 * Registers an endpoint, or replaces the one of the same URL.
	 * @param endpoint the endpoint
	 */
	public void register(WebhookEndpoint endpoint) {
		if (this.byId.put(endpoint.id(), endpoint) == null) {
			this.order.add(endpoint.id());
		}
	}

	/**
	 * Removes an endpoint; its pending deliveries are given up when they are next due.
	 * @param url its URL
	 * @return whether it was registered
	 */
	public boolean remove(URI url) {
		String id = new WebhookEndpoint(url, "whsec_AAAAAAAAAAAAAAAAAAAAAA==", java.util.Set.of()).id();
		this.order.remove(id);
		return this.byId.remove(id) != null;
	}

	/**
	 * Every endpoint, in registration order.
	 * @return the endpoints
	 */
	public List<WebhookEndpoint> endpoints() {
		return this.order.stream().map(this.byId::get).filter(java.util.Objects::nonNull).toList();
	}

	/**
	 * The endpoints that receive a type of notification.
	 * @param type the type
	 * @return the endpoints
	 */
	public List<WebhookEndpoint> receiving(NotificationType type) {
		return endpoints().stream().filter((endpoint) -> endpoint.receives(type)).toList();
	}

	@Nullable WebhookEndpoint byId(String id) {
		return this.byId.get(id);
	}

}
