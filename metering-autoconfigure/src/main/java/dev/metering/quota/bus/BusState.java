package dev.metering.quota.bus;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The state of an invalidation bus.
 *
 * @param transport {@code in-process}, {@code postgres} or {@code redis}
 * @param connected whether invalidations from other instances arrive now
 * @param received invalidations received from other instances
 * @param reconnects connections re-established after a loss
 * @param lastError the last connection error, or {@code null}
 * @param since when the bus entered its current connected / disconnected state
 */
public record BusState(String transport, boolean connected, long received, long reconnects,
		@Nullable String lastError, Instant since) {
}
