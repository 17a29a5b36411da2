package dev.metering.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Notifications and their webhooks ({@code metering.webhooks}).
 */
@ConfigurationProperties("metering.webhooks")
public class MeteringWebhookProperties {

	/**
	 * Whether notifications are emitted (quota thresholds) and delivered.
	 */
	private boolean enabled = true;

	/**
	 * The webhooks every notification (or those of their 'events') is posted to.
	 */
	private List<Endpoint> endpoints = new ArrayList<>();

	/**
	 * Whether this instance posts deliveries. Off: it still writes them to the outbox, and
	 * other instances post them.
	 */
	private boolean senderEnabled = true;

	/**
	 * How often the tenants' meters written since the last check are checked for thresholds.
	 */
	private Duration thresholdCheckInterval = Duration.ofSeconds(1);

	/**
	 * The oldest a written pair's last usage read may be when it is checked. A read scans the
	 * ledger rows not folded yet, so a pair is read only when this instance's own writes since,
	 * plus the other instances' usage at its last rate, may have reached the next threshold, or
	 * when its last read is this old: a crossing made by other instances' usage is seen within it.
	 */
	private Duration thresholdReadInterval = Duration.ofSeconds(10);

	/**
	 * How often each instance reads the webhook endpoints registered through the admin API
	 * again: another instance's registration or removal is honoured within it.
	 */
	private Duration endpointsRefresh = Duration.ofSeconds(10);

	/**
	 * How often the outbox is read for due deliveries.
	 */
	private Duration pollInterval = Duration.ofSeconds(1);

	/**
	 * The most a connection to an endpoint may take.
	 */
	private Duration connectTimeout = Duration.ofSeconds(5);

	/**
	 * The most an endpoint's response may take.
	 */
	private Duration readTimeout = Duration.ofSeconds(15);

	/**
	 * The wait after a delivery's first failed attempt; doubled after each.
	 */
	private Duration initialBackoff = Duration.ofSeconds(5);

	/**
	 * The longest wait between two attempts of a delivery.
	 */
	private Duration maxBackoff = Duration.ofHours(1);

	/**
	 * How long after its notification a delivery is retried before it is given up.
	 */
	private Duration retryFor = Duration.ofHours(24);

	/**
	 * How long an instance holds a delivery it posts; another instance takes it over after,
	 * should the first have died. Must exceed connect-timeout plus read-timeout.
	 */
	private Duration claimTimeout = Duration.ofSeconds(60);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public List<Endpoint> getEndpoints() {
		return this.endpoints;
	}

	public void setEndpoints(List<Endpoint> endpoints) {
		this.endpoints = endpoints;
	}

	public boolean isSenderEnabled() {
		return this.senderEnabled;
	}

	public void setSenderEnabled(boolean senderEnabled) {
		this.senderEnabled = senderEnabled;
	}

	public Duration getThresholdCheckInterval() {
		return this.thresholdCheckInterval;
	}

	public void setThresholdCheckInterval(Duration thresholdCheckInterval) {
		this.thresholdCheckInterval = thresholdCheckInterval;
	}

	public Duration getThresholdReadInterval() {
		return this.thresholdReadInterval;
	}

	public void setThresholdReadInterval(Duration thresholdReadInterval) {
		this.thresholdReadInterval = thresholdReadInterval;
	}

	public Duration getPollInterval() {
		return this.pollInterval;
	}

	public void setPollInterval(Duration pollInterval) {
		this.pollInterval = pollInterval;
	}

	public Duration getConnectTimeout() {
		return this.connectTimeout;
	}

	public void setConnectTimeout(Duration connectTimeout) {
		this.connectTimeout = connectTimeout;
	}

	public Duration getReadTimeout() {
		return this.readTimeout;
	}

	public void setReadTimeout(Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	public Duration getInitialBackoff() {
		return this.initialBackoff;
	}

	public void setInitialBackoff(Duration initialBackoff) {
		this.initialBackoff = initialBackoff;
	}

	public Duration getMaxBackoff() {
		return this.maxBackoff;
	}

	public void setMaxBackoff(Duration maxBackoff) {
		this.maxBackoff = maxBackoff;
	}

	public Duration getRetryFor() {
		return this.retryFor;
	}

	public void setRetryFor(Duration retryFor) {
		this.retryFor = retryFor;
	}

	public Duration getClaimTimeout() {
		return this.claimTimeout;
	}

	public void setClaimTimeout(Duration claimTimeout) {
		this.claimTimeout = claimTimeout;
	}

	/**
	 * One webhook.
	 */
	public static class Endpoint {

		/**
		 * Where deliveries are posted (http or https).
		 */
		private @Nullable URI url;

		/**
		 * The signing secret: 'whsec_' and the base64 of at least 16 random bytes.
		 */
		private @Nullable String secret;

		/**
		 * The notifications it receives ('quota.threshold_reached', 'quota.exceeded', ...);
		 * empty: all.
		 */
		private List<String> events = new ArrayList<>();

		public @Nullable URI getUrl() {
			return this.url;
		}

		public void setUrl(@Nullable URI url) {
			this.url = url;
		}

		public @Nullable String getSecret() {
			return this.secret;
		}

		public void setSecret(@Nullable String secret) {
			this.secret = secret;
		}

		public List<String> getEvents() {
			return this.events;
		}

		public void setEvents(List<String> events) {
			this.events = events;
		}

	}

	public Duration getEndpointsRefresh() {
		return this.endpointsRefresh;
	}

	public void setEndpointsRefresh(Duration endpointsRefresh) {
		this.endpointsRefresh = endpointsRefresh;
	}

}
