package dev.metering.api;

import java.time.Duration;

/**
 * Limits of the usage HTTP API.
 *
 * @param maxBatchSize the most events one POST may carry
 * @param maxBodyBytes the largest request body; larger ones get 413
 * @param maxTopUsers the most users the top-users route returns
 * @param idempotencyLookupTimeout the longest {@code POST /events} waits for the ledger to say
 * which idempotency keys it already holds; after it, the events are accepted unchecked (202)
 */
public record ApiSettings(int maxBatchSize, long maxBodyBytes, int maxTopUsers, Duration idempotencyLookupTimeout) {

	/** The default of {@link #idempotencyLookupTimeout()}. */
	public static final Duration DEFAULT_IDEMPOTENCY_LOOKUP_TIMEOUT = Duration.ofMillis(500);

	public ApiSettings {
		if (maxBatchSize < 1 || maxBodyBytes < 1 || maxTopUsers < 1 || idempotencyLookupTimeout.isNegative()
				|| idempotencyLookupTimeout.isZero()) {
			throw new IllegalArgumentException("API limits must be positive");
		}
	}

	/**
	 * Limits with the default idempotency look-up timeout.
	 * @param maxBatchSize the most events one POST may carry
	 * @param maxBodyBytes the largest request body
	 * @param maxTopUsers the most users the top-users route returns
	 */
	public ApiSettings(int maxBatchSize, long maxBodyBytes, int maxTopUsers) {
		this(maxBatchSize, maxBodyBytes, maxTopUsers, DEFAULT_IDEMPOTENCY_LOOKUP_TIMEOUT);
	}

}
