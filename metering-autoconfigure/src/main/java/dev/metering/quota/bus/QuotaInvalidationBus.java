package dev.metering.quota.bus;

/**
 * Carries {@link QuotaInvalidation}s to every instance. A publication is applied on this instance
 * at once, whatever the state of the transport.
 */
public interface QuotaInvalidationBus {

	/**
	 * Applies an invalidation here and sends it to the other instances.
	 * @param invalidation what became stale
	 */
	void publish(QuotaInvalidation invalidation);

	/**
	 * The transport's state, for health and the Actuator endpoint.
	 * @return the state
	 */
	BusState state();

}
