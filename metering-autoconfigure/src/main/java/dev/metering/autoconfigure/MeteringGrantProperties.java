package dev.metering.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Grants (prepaid credits) and their notifications. Which meters are grant-backed is a plan's
 * setting: {@code metering.plans.<plan>.grant-backed}.
 */
@ConfigurationProperties("metering.grants")
public class MeteringGrantProperties {

	/**
	 * Whether grants are on (the grant service, grant-backed meters, their admin routes).
	 */
	private boolean enabled = true;

	/**
	 * How often the balances of tenants with a usable grant are checked for 'grant.depleted'
	 * and 'grant.expiring'.
	 */
	private Duration checkInterval = Duration.ofSeconds(10);

	/**
	 * How long before its expiry a grant with units left emits 'grant.expiring'.
	 */
	private Duration expiringNotice = Duration.ofDays(3);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getCheckInterval() {
		return this.checkInterval;
	}

	public void setCheckInterval(Duration checkInterval) {
		this.checkInterval = checkInterval;
	}

	public Duration getExpiringNotice() {
		return this.expiringNotice;
	}

	public void setExpiringNotice(Duration expiringNotice) {
		this.expiringNotice = expiringNotice;
	}

}
