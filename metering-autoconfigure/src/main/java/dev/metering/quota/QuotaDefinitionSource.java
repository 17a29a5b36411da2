package dev.metering.quota;

/**
 * Where quota definitions come from: {@code application.yml} in the kit; the database for
 * runtime overrides later. Implementations may be slow: the kit caches them.
 */
@FunctionalInterface
public interface QuotaDefinitionSource {

	/**
	 * The quotas of one scope.
	 * @param scope a tenant id
	 * @return its quotas, never {@code null}
	 */
	TenantQuotas quotasOf(String scope);

}
