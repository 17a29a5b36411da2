package dev.metering.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The usage console at /metering/console: off by default; protected like the admin REST API
 * (its authority with Spring Security, else its key, metering.admin.web.api-key).
 */
@ConfigurationProperties("metering.console")
public class MeteringConsoleProperties {

	/**
	 * Whether the console's pages and its stylesheet are served. Off: every console route
	 * answers 404.
	 */
	private boolean enabled;

	/**
	 * How long a login through the console's form lasts.
	 */
	private Duration sessionTimeout = Duration.ofMinutes(30);

	/**
	 * Whether the session cookie is marked Secure (sent over HTTPS only; browsers also accept it
	 * from http://localhost). Turn off only for plain HTTP on a private network.
	 */
	private boolean secureCookie = true;

	/**
	 * Meters to chart for every tenant, besides those its quotas and prices name.
	 */
	private List<String> meters = new ArrayList<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getSessionTimeout() {
		return this.sessionTimeout;
	}

	public void setSessionTimeout(Duration sessionTimeout) {
		this.sessionTimeout = sessionTimeout;
	}

	public boolean isSecureCookie() {
		return this.secureCookie;
	}

	public void setSecureCookie(boolean secureCookie) {
		this.secureCookie = secureCookie;
	}

	public List<String> getMeters() {
		return this.meters;
	}

	public void setMeters(List<String> meters) {
		this.meters = meters;
	}

}
