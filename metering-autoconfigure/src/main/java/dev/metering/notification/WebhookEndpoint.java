package dev.metering.notification;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

/**
 * A registered webhook.
 *
 * @param url where deliveries are posted
 * @param secret the signing secret, {@code whsec_} and base64 as the Standard Webhooks
 * specification writes it
 * @param events the wire names of the notifications it receives; empty: all of them
 */
public record WebhookEndpoint(URI url, String secret, Set<String> events) {

	private static final String SECRET_PREFIX = "whsec_";

	/**
	 * Checks the endpoint.
	 * @throws IllegalArgumentException for a URL that is not http(s), a secret not in the
	 * {@code whsec_} form, or an unknown event name
	 */
	public WebhookEndpoint {
		if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
			throw new IllegalArgumentException("url must be http or https, was '" + url + "'");
		}
		key(secret);
		events = Set.copyOf(events);
		events.forEach(NotificationType::ofWireName);
	}

	/**
	 * Whether this endpoint receives a type of notification.
	 * @param type the type
	 * @return {@code true} when it lists the type or lists none
	 */
	public boolean receives(NotificationType type) {
		return this.events.isEmpty() || this.events.contains(type.wireName());
	}

	/**
	 * The endpoint's key in the outbox: a hash of its URL, so a URL of any length fits the
	 * unique key and a secret rotation keeps the pending deliveries.
	 * @return 32 hex digits
	 */
	public String id() {
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256").digest(this.url.toString().getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(hash, 0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The HMAC key of a secret.
	 * @param secret {@code whsec_} and base64
	 * @return the decoded key
	 * @throws IllegalArgumentException when it is not in that form
	 */
	static byte[] key(String secret) {
		if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
			throw new IllegalArgumentException("secret must be 'whsec_' followed by base64");
		}
		try {
			byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
			if (key.length < 16) {
				throw new IllegalArgumentException("secret must hold at least 16 bytes");
			}
			return key;
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("secret must be 'whsec_' followed by base64 of at least 16 bytes", ex);
		}
	}

	@Override
	public String toString() {
		// Never the secret.
		return "WebhookEndpoint[url=" + this.url + ", events=" + this.events + "]";
	}

}
