package dev.metering.autoconfigure;

import java.time.Duration;

import dev.metering.quota.lease.LeaseSettings;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How hard quotas are leased from the database: each instance holds budgets taken from a shared
 * allocation row per (tenant, meter, window), so no number of instances passes a hard limit.
 */
@ConfigurationProperties("metering.quota.lease")
public class MeteringQuotaLeaseProperties {

	/**
	 * Whether hard quotas are admitted from budgets leased from the database (exact across
	 * instances). When off, hard quotas are decided on cached ledger readings like soft ones:
	 * exact on one instance only.
	 */
	private boolean enabled = true;

	/**
	 * How long a lease lasts unless its instance renews it. An instance killed without giving
	 * its budget back makes the unused part available to the others after this.
	 */
	private Duration expiry = Duration.ofSeconds(30);

	/**
	 * How long a chunk should last at the instance's measured rate of a tenant's requests. While
	 * a window is far from its limit a chunk is at least free² / (16 × limit) of what no instance
	 * holds, and a chunk is never more than a quarter of that.
	 */
	private Duration chunkDuration = Duration.ofSeconds(2);

	/** The first chunk an instance asks for in a window, before it knows the rate. */
	private long initialChunk = 10;

	/**
	 * An instance gives a budget back after this long without a check of it, or, for a budget in
	 * use for longer, after as long as it had been in use, at most six times this. Holding a
	 * budget costs a lease renewal (a row update) every third of the expiry; at most a third of
	 * the expiry, a budget used once goes back before its first renewal. Far from the limit (at
	 * least half of it free), an idle budget is kept without renewal until its lease has a third
	 * of the expiry left, serving checks meanwhile with no statement.
	 */
	private Duration idleReturn = Duration.ofSeconds(10);

	/** The wait before asking the database again after it refused a chunk or failed. */
	private Duration retryInterval = Duration.ofSeconds(1);

	/**
	 * The longest a check waits for a lease (the first of a window, or the next when the budget
	 * ran out); then metering.quota.on-unknown-usage decides.
	 */
	private Duration requestTimeout = Duration.ofSeconds(2);

	/** How often leases are renewed and unneeded budgets given back (at most a third of the expiry). */
	private Duration maintenanceInterval = Duration.ofSeconds(5);

	/**
	 * How long the lease thread waits, while lease requests of other tenants keep arriving, before
	 * it sends a batch: requests that come in meanwhile share its statements. It waits only after
	 * a batch of more than one request (zero: never).
	 */
	private Duration linger = Duration.ofMillis(1);

	/** Cold shares: a first check of a window admits from this instance's share with no statement. */
	private final ColdShares coldShares = new ColdShares();

	public ColdShares getColdShares() {
		return this.coldShares;
	}

	/** The positions of cold shares, 0 when they are off. */
	public int coldSharePositions() {
		return this.coldShares.isEnabled() ? this.coldShares.getPositions() : 0;
	}

	/**
	 * Cold shares (docs/quotas.md): a fixed number of positions, each held by at most one live
	 * instance; every window's allocation reserves each position's share of the limit when it is
	 * created, so the holder of a position admits from its share before the window's row exists.
	 */
	public static class ColdShares {

		/** Whether first checks admit from this instance's share (every instance must agree). */
		private boolean enabled = false;

		/** How many positions share each limit (every instance must agree): one per instance is best. */
		private int positions = 2;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getPositions() {
			return this.positions;
		}

		public void setPositions(int positions) {
			if (positions < 1 || positions > 64) {
				throw new IllegalArgumentException("metering.quota.lease.cold-shares.positions must be 1 to 64");
			}
			this.positions = positions;
		}

	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getExpiry() {
		return this.expiry;
	}

	public void setExpiry(Duration expiry) {
		this.expiry = expiry;
	}

	public Duration getChunkDuration() {
		return this.chunkDuration;
	}

	public void setChunkDuration(Duration chunkDuration) {
		this.chunkDuration = chunkDuration;
	}

	public long getInitialChunk() {
		return this.initialChunk;
	}

	public void setInitialChunk(long initialChunk) {
		this.initialChunk = initialChunk;
	}

	public Duration getIdleReturn() {
		return this.idleReturn;
	}

	public void setIdleReturn(Duration idleReturn) {
		this.idleReturn = idleReturn;
	}

	public Duration getRetryInterval() {
		return this.retryInterval;
	}

	public void setRetryInterval(Duration retryInterval) {
		this.retryInterval = retryInterval;
	}

	public Duration getRequestTimeout() {
		return this.requestTimeout;
	}

	public void setRequestTimeout(Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	public Duration getMaintenanceInterval() {
		return this.maintenanceInterval;
	}

	public void setMaintenanceInterval(Duration maintenanceInterval) {
		this.maintenanceInterval = maintenanceInterval;
	}

	public Duration getLinger() {
		return this.linger;
	}

	public void setLinger(Duration linger) {
		this.linger = linger;
	}

	LeaseSettings toSettings() {
		if (this.linger.isNegative() || this.linger.compareTo(Duration.ofMillis(100)) > 0) {
			throw new dev.metering.quota.InvalidQuotaConfigurationException("metering.quota.lease.linger",
					this.linger.toString(), "must be between 0 and 100ms");
		}
		if (this.expiry.isNegative() || this.expiry.isZero()) {
			throw new dev.metering.quota.InvalidQuotaConfigurationException("metering.quota.lease.expiry",
					this.expiry.toString(), "must be positive");
		}
		if (this.initialChunk < 1) {
			throw new dev.metering.quota.InvalidQuotaConfigurationException("metering.quota.lease.initial-chunk",
					Long.toString(this.initialChunk), "must be at least 1");
		}
		validatedMaintenanceInterval();
		return new LeaseSettings(this.expiry, this.chunkDuration, java.math.BigDecimal.valueOf(this.initialChunk),
				this.idleReturn, this.retryInterval, this.requestTimeout, this.linger);
	}

	/** The maintenance interval, which must leave a lease at least three renewals before it expires. */
	Duration validatedMaintenanceInterval() {
		if (this.maintenanceInterval.isNegative() || this.maintenanceInterval.isZero()) {
			throw new dev.metering.quota.InvalidQuotaConfigurationException(
					"metering.quota.lease.maintenance-interval", this.maintenanceInterval.toString(), "must be positive");
		}
		if (this.maintenanceInterval.multipliedBy(3).compareTo(this.expiry) > 0) {
			throw new dev.metering.quota.InvalidQuotaConfigurationException(
					"metering.quota.lease.maintenance-interval", this.maintenanceInterval.toString(),
					"must be at most a third of metering.quota.lease.expiry (" + this.expiry + ")");
		}
		return this.maintenanceInterval;
	}

}
