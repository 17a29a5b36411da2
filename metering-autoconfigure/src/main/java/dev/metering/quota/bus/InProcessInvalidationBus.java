package dev.metering.quota.bus;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * The bus of a single instance: an invalidation is applied where it is published.
 */
public class InProcessInvalidationBus implements QuotaInvalidationBus {

	private final Consumer<QuotaInvalidation> receiver;

	private final String transport;

	private final Instant since = Instant.now();

	/**
	 * Creates the bus of a single instance.
	 * @param receiver applies invalidations to the caches
	 */
	public InProcessInvalidationBus(Consumer<QuotaInvalidation> receiver) {
		this(receiver, "in-process");
	}

	/**
	 * Creates a bus that applies invalidations here only.
	 * @param receiver applies invalidations to the caches
	 * @param transport its name in {@link BusState}: {@code in-process}, or {@code none} when
	 * other instances exist but rely on cache expiry
	 */
	public InProcessInvalidationBus(Consumer<QuotaInvalidation> receiver, String transport) {
		this.receiver = receiver;
		this.transport = transport;
	}

	@Override
	public void publish(QuotaInvalidation invalidation) {
		this.receiver.accept(invalidation);
	}

	@Override
	public BusState state() {
		return new BusState(this.transport, true, 0, 0, null, this.since);
	}

}
