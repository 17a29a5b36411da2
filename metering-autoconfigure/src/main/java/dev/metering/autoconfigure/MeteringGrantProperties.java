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

	/**
	 * How long before a recurring grant's month ends its next month's grant is created (checked
	 * every check-interval).
	 */
	private Duration renewAhead = Duration.ofHours(1);

	/**
	 * How long after a recurring grant's month ends what it has left is rolled over: the
	 * writers' last batches of the month must be in the ledger by then.
	 */
	private Duration rolloverDelay = Duration.ofMinutes(1);

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

	public Duration getRenewAhead() {
		return this.renewAhead;
	}

	public void setRenewAhead(Duration renewAhead) {
		this.renewAhead = renewAhead;
	}

	public Duration getRolloverDelay() {
		return this.rolloverDelay;
	}

	public void setRolloverDelay(Duration rolloverDelay) {
		this.rolloverDelay = rolloverDelay;
	}

}
