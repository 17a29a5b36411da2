package dev.metering.notification;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpServer;

/**
 * A real local HTTP receiver of webhooks: records every post (headers and body) and answers
 * the status it is told to; it can be down (connection refused) and come back on its port. Its
 * endpoint signs with {@link #SECRET}, and each post's signature is checked against one computed
 * here as the Standard Webhooks specification describes it, not with the kit's own code.
 */
final class WebhookReceiver implements AutoCloseable {

	/** The Standard Webhooks specification's example secret: the receiver's endpoint signs with it. */
	static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

	final List<Post> posts = new CopyOnWriteArrayList<>();

	private final int port;

	private volatile int status = 204;

	private HttpServer server;

	WebhookReceiver() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			this.port = socket.getLocalPort();
		}
	}

	String url() {
		return "http://127.0.0.1:" + this.port + "/hooks";
	}

	/**
	 * The properties of a webhook endpoint posting here, signed with {@link #SECRET}, and of a
	 * sender quick enough for a test: it polls every 50 ms and gives up a post after 2 s.
	 * @return {@code metering.webhooks} properties
	 */
	String[] senderProperties() {
		return new String[] { "metering.webhooks.endpoints[0].url=" + url(),
				"metering.webhooks.endpoints[0].secret=" + SECRET, "metering.webhooks.poll-interval=50ms",
				"metering.webhooks.connect-timeout=1s", "metering.webhooks.read-timeout=2s",
				"metering.webhooks.claim-timeout=4s" };
	}

	synchronized WebhookReceiver start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", this.port), 0);
		this.server.createContext("/hooks", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				int answered = this.status;
				this.posts.add(new Post(exchange.getRequestHeaders().getFirst("webhook-id"),
						exchange.getRequestHeaders().getFirst("webhook-timestamp"),
						exchange.getRequestHeaders().getFirst("webhook-signature"),
						new String(body.readAllBytes(), StandardCharsets.UTF_8), answered));
				exchange.sendResponseHeaders(answered, -1);
			}
			finally {
				exchange.close();
			}
		});
		this.server.start();
		return this;
	}

	void answer(int status) {
		this.status = status;
	}

	/** The posts answered with a 2xx. */
	List<Post> accepted() {
		return this.posts.stream().filter((post) -> post.status() < 300).toList();
	}

	@Override
	public synchronized void close() {
		if (this.server != null) {
			this.server.stop(0);
			this.server = null;
		}
	}

	record Post(String id, String timestamp, String signature, String body, int status) {

		/**
		 * The Standard Webhooks signature of this post with {@link #SECRET}, computed as the
		 * specification describes it: {@code v1,} and the base64 HMAC-SHA256 of
		 * {@code id.timestamp.body} keyed with the secret's base64 part.
		 * @return what {@link #signature()} must be
		 */
		String specSignature() {
			try {
				Mac mac = Mac.getInstance("HmacSHA256");
				mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())),
						"HmacSHA256"));
				String signed = this.id + "." + this.timestamp + "." + this.body;
				return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		/**
		 * A top-level or data field of the CloudEvents body, as text.
		 * @param name the field's name
		 * @return its value, {@code "null"} when absent
		 */
		String field(String name) {
			Matcher matcher = Pattern.compile("\"" + name + "\":(\"([^\"]*)\"|([^,}]*))").matcher(this.body);
			if (!matcher.find()) {
				return "null";
			}
			return (matcher.group(2) != null) ? matcher.group(2) : matcher.group(3);
		}

	}

}
