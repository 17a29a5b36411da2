package dev.metering.notification;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

/**
 * A real local HTTP receiver of webhooks: records every post (headers and body) and answers
 * the status it is told to; it can be down (connection refused) and come back on its port.
 */
final class WebhookReceiver implements AutoCloseable {

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
	}

}
