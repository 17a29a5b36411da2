package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * How hard-quota budgets are leased.
 *
 * @param expiry how long a lease lasts unless renewed; a killed instance's unused budget returns
 * to the others after this
 * @param chunkDuration how long a chunk should last at the instance's measured rate
 * @param initialChunk the first chunk of a window, before any rate is known
 * @param idleReturn an instance gives a budget back after this long without a check of it
 * @param retryInterval the wait before asking again after a refusal or a failure
 * @param requestTimeout the longest a check waits for a lease request
 * @param linger how long the lease thread waits for more requests before it sends a batch, after
 * a batch of more than one request
 */
public record LeaseSettings(Duration expiry, Duration chunkDuration, BigDecimal initialChunk, Duration idleReturn,
		Duration retryInterval, Duration requestTimeout, Duration linger) {

	/** The default of {@code metering.quota.lease.linger}. */
	public static final Duration DEFAULT_LINGER = Duration.ofMillis(1);

	/**
	 * Settings with the default linger.
	 * @param expiry how long a lease lasts unless renewed
	 * @param chunkDuration how long a chunk should last at the instance's measured rate
	 * @param initialChunk the first chunk of a window, before any rate is known
	 * @param idleReturn an instance gives a budget back after this long without a check of it
	 * @param retryInterval the wait before asking again after a refusal or a failure
	 * @param requestTimeout the longest a check waits for a lease request
	 */
	public LeaseSettings(Duration expiry, Duration chunkDuration, BigDecimal initialChunk, Duration idleReturn,
			Duration retryInterval, Duration requestTimeout) {
		this(expiry, chunkDuration, initialChunk, idleReturn, retryInterval, requestTimeout, DEFAULT_LINGER);
	}

	/** The defaults of {@code metering.quota.lease}. */
	public static LeaseSettings defaults() {
		return new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(2), BigDecimal.TEN, Duration.ofSeconds(10),
				Duration.ofSeconds(1), Duration.ofSeconds(2), DEFAULT_LINGER);
	}

}
