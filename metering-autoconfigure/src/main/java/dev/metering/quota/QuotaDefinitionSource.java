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

	/**
	 * A number that changes whenever a definition was changed or forgotten here (a runtime change,
	 * an invalidation from the bus), so that a check may keep the definitions of a lineage's
	 * levels while it stays the same. Definitions reloaded after their TTL need not change it: a
	 * check looks every level up again at least once a second. {@link #UNVERSIONED} (the default)
	 * when the source cannot tell: every check looks every level up.
	 * @return the version, or {@link #UNVERSIONED}
	 */
	default long version() {
		return UNVERSIONED;
	}

	/** The {@link #version()} of a source whose definitions must be looked up on every check. */
	long UNVERSIONED = -1;

}
