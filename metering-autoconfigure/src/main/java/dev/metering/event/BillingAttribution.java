package dev.metering.event;

/**
 * Who pays for a tenant's usage: the billing scope its events are written with. The recorder
 * asks it for every event that names no other payer, so requests, {@code @Metered} operations and
 * application events of a tenant are attributed the same way, at the time they are recorded.
 */
@FunctionalInterface
public interface BillingAttribution {

	/** Every tenant pays for itself. */
	BillingAttribution SELF = (tenantId) -> tenantId;

	/**
	 * The billing scope of a tenant's usage.
	 * @param tenantId the tenant
	 * @return the paying scope: the tenant itself or one of its ancestors
	 */
	String billingScopeOf(String tenantId);

}
