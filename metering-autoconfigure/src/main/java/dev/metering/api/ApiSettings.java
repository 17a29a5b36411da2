package dev.metering.api;

/**
 * Limits of the usage HTTP API.
 *
 * @param maxBatchSize the most events one POST may carry
 * @param maxBodyBytes the largest request body; larger ones get 413
 * @param maxTopUsers the most users the top-users route returns
 */
public record ApiSettings(int maxBatchSize, long maxBodyBytes, int maxTopUsers) {

	public ApiSettings {
		if (maxBatchSize < 1 || maxBodyBytes < 1 || maxTopUsers < 1) {
			throw new IllegalArgumentException("API limits must be positive");
		}
	}

}
