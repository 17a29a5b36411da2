package dev.metering.notification;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.metering.internal.schedule.PeriodicTask;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Posts the outbox's pending deliveries on its own thread, with the JDK's HTTP client: claims a
 * delivery (so one instance posts it at a time; a claim lapses when its instance dies), posts
 * the stored body signed for this attempt, and marks it delivered on a 2xx; otherwise it is due
 * again after an exponential backoff, and given up when the retry span since its emission is
 * over. Each endpoint's deliveries go in emission order: the next waits until the one before
 * is settled. At least once, always with the notification's id.
 */
public class WebhookSender implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(WebhookSender.class);

	private static final int BATCH = 32;

	private final WebhookOutbox outbox;

	private final WebhookRegistry webhooks;

	private final WebhookSettings settings;

	private final Clock clock;

	private final HttpClient client;

	private final String instance = UUID.randomUUID().toString();

	private final PeriodicTask task;

	/**
	 * Creates the sender.
	 * @param outbox the outbox
	 * @param webhooks the endpoints and their secrets
	 * @param settings timeouts and retries
	 * @param clock the clock
	 */
	public WebhookSender(WebhookOutbox outbox, WebhookRegistry webhooks, WebhookSettings settings, Clock clock) {
		this.outbox = outbox;
		this.webhooks = webhooks;
		this.settings = settings;
		this.clock = clock;
		this.client = HttpClient.newBuilder()
			.connectTimeout(settings.connectTimeout())
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
		// Stop interrupts a post in progress, then waits for it at most its read timeout.
		this.task = PeriodicTask
			.every(settings.pollInterval(), "metering-webhooks", this::poll, logger,
					"Could not read or settle webhook deliveries; trying again")
			.withFirstRunAfter(Duration.ZERO)
			.withInterruptOnStop(settings.readTimeout().plusSeconds(1));
	}

	/**
	 * Posts what is due until nothing is.
	 * @return how many deliveries were settled (delivered or given up)
	 */
	public int sendDue() {
		int settled = 0;
		while (true) {
			List<WebhookOutbox.Pending> due = this.outbox.due(this.clock.instant(), BATCH);
			int before = settled;
			for (WebhookOutbox.Pending pending : due) {
				Instant now = this.clock.instant();
				if (this.outbox.claim(pending, this.instance, now, now.plus(this.settings.claimTimeout()))) {
					settled += send(pending) ? 1 : 0;
				}
			}
			// A settled delivery may have let its endpoint's next one through.
			if (settled == before || Thread.currentThread().isInterrupted()) {
				return settled;
			}
		}
	}

	private boolean send(WebhookOutbox.Pending pending) {
		WebhookEndpoint endpoint = this.webhooks.byId(pending.endpointId());
		Instant now = this.clock.instant();
		if (endpoint == null) {
			this.outbox.failed(pending, this.instance, now, null, "endpoint no longer registered");
			return true;
		}
		Integer status = null;
		String error;
		try {
			long timestamp = now.getEpochSecond();
			HttpRequest request = HttpRequest.newBuilder(endpoint.url())
				.timeout(this.settings.readTimeout())
				.header("Content-Type", "application/cloudevents+json")
				.header(WebhookSignature.ID_HEADER, pending.messageId())
				.header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
				.header(WebhookSignature.SIGNATURE_HEADER,
						WebhookSignature.sign(endpoint.secret(), pending.messageId(), timestamp, pending.body()))
				.POST(HttpRequest.BodyPublishers.ofString(pending.body()))
				.build();
			HttpResponse<Void> response = this.client.send(request, HttpResponse.BodyHandlers.discarding());
			status = response.statusCode();
			if (status >= 200 && status < 300) {
				this.outbox.delivered(pending, this.instance, this.clock.instant(), status);
				return true;
			}
			error = "HTTP " + status;
		}
		catch (IOException ex) {
			error = ex.getClass().getSimpleName() + ": " + ex.getMessage();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			error = "interrupted";
		}
		Instant after = this.clock.instant();
		if (Duration.between(Instant.ofEpochMilli(pending.createdAt()), after).compareTo(this.settings.retryFor()) >= 0) {
			this.outbox.failed(pending, this.instance, after, status, error);
			logger.warn("Gave up webhook " + pending.messageId() + " to " + pending.url() + ": " + error);
			return true;
		}
		this.outbox.retry(pending, this.instance, after.plus(backoff(pending.attempts() + 1)), status, error);
		return false;
	}

	/**
	 * The wait after a failed attempt: the initial backoff doubled per attempt, at most the
	 * maximum.
	 * @param attempt the attempt that failed, from 1
	 * @return the wait
	 */
	Duration backoff(int attempt) {
		Duration wait = this.settings.initialBackoff();
		for (int i = 1; i < attempt && wait.compareTo(this.settings.maxBackoff()) < 0; i++) {
			wait = wait.multipliedBy(2);
		}
		return (wait.compareTo(this.settings.maxBackoff()) > 0) ? this.settings.maxBackoff() : wait;
	}

	private void poll() {
		if (this.webhooks.endpoints().isEmpty()) {
			// Nothing can be posted: the outbox is not read (no query a second in every application).
			return;
		}
		sendDue();
	}

	@Override
	public void start() {
		this.task.start();
	}

	@Override
	public void stop() {
		this.task.stop();
	}

	@Override
	public boolean isRunning() {
		return this.task.isRunning();
	}

}
