package dev.metering.notification;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.jspecify.annotations.Nullable;

/**
 * The webhooks notifications go to: those of {@code metering.webhooks.endpoints}, those
 * registered in Java, and those registered through the admin API ({@link StoredWebhookEndpoints},
 * read again every {@code refresh}; one of them wins over another endpoint of the same URL).
 * Keyed by URL: registering a URL again replaces its secret and events.
 */
public class WebhookRegistry {

	private static final Log logger = LogFactory.getLog(WebhookRegistry.class);

	private final Map<String, WebhookEndpoint> byId = new ConcurrentHashMap<>();

	private final List<String> order = new CopyOnWriteArrayList<>();

	private final @Nullable Supplier<List<WebhookEndpoint>> stored;

	private final long refreshNanos;

	private volatile List<WebhookEndpoint> storedEndpoints = List.of();

	private volatile long storedAtNanos;

	private volatile boolean storedRead;

	/**
	 * Creates the registry.
	 * @param configured the endpoints of the configuration
	 */
	public WebhookRegistry(List<WebhookEndpoint> configured) {
		this(configured, null, Duration.ZERO);
	}

	/**
	 * Creates the registry with the endpoints of the admin API.
	 * @param configured the endpoints of the configuration
	 * @param stored reads the endpoints registered through the admin API, {@code null} for none
	 * @param refresh how long what was read serves before it is read again
	 */
	public WebhookRegistry(List<WebhookEndpoint> configured, @Nullable Supplier<List<WebhookEndpoint>> stored,
			Duration refresh) {
		this.stored = stored;
		this.refreshNanos = refresh.toNanos();
		configured.forEach(this::register);
	}

	/**
	 * Reads the endpoints of the admin API again now (after a change on this instance).
	 */
	public void refresh() {
		Supplier<List<WebhookEndpoint>> source = this.stored;
		if (source == null) {
			return;
		}
		try {
			this.storedEndpoints = List.copyOf(source.get());
			this.storedRead = true;
		}
		catch (RuntimeException ex) {
			// The endpoints read before keep serving.
			logger.warn("Could not read the webhook endpoints of the admin API: " + ex.getMessage());
		}
		this.storedAtNanos = System.nanoTime();
	}

	private List<WebhookEndpoint> stored() {
		if (this.stored == null) {
			return List.of();
		}
		if (!this.storedRead || System.nanoTime() - this.storedAtNanos >= this.refreshNanos) {
			refresh();
		}
		return this.storedEndpoints;
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
		List<WebhookEndpoint> stored = stored();
		if (stored.isEmpty()) {
			return this.order.stream().map(this.byId::get).filter(java.util.Objects::nonNull).toList();
		}
		Map<String, WebhookEndpoint> all = new java.util.LinkedHashMap<>();
		this.order.stream().map(this.byId::get).filter(java.util.Objects::nonNull).forEach((e) -> all.put(e.id(), e));
		stored.forEach((e) -> all.put(e.id(), e));
		return List.copyOf(all.values());
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
		for (WebhookEndpoint endpoint : stored()) {
			if (endpoint.id().equals(id)) {
				return endpoint;
			}
		}
		return this.byId.get(id);
	}

	/**
	 * Whether an endpoint came from the admin API.
	 * @param id the endpoint's id
	 * @return {@code true} when the admin API registered it
	 */
	public boolean isStored(String id) {
		return stored().stream().anyMatch((endpoint) -> endpoint.id().equals(id));
	}

}
