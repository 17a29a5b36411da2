package dev.metering.tenant;

import jakarta.servlet.ServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * The tenant resolved once for a request, kept as a request attribute so that everything later
 * in the request (the {@code @Metered} interceptors) sees the same tenant as the metering filter.
 */
public final class ResolvedTenant {

	/** Request attribute holding the tenant id resolved on the request's first dispatch. */
	public static final String ATTRIBUTE = ResolvedTenant.class.getName();

	private ResolvedTenant() {
	}

	/**
	 * The tenant resolved for a request.
	 * @param request the request
	 * @return the tenant id, or {@code null} when none was resolved (yet)
	 */
	public static @Nullable String of(ServletRequest request) {
		return (request.getAttribute(ATTRIBUTE) instanceof String tenant) ? tenant : null;
	}

	/**
	 * Keeps the tenant resolved for a request.
	 * @param request the request
	 * @param tenant the tenant id
	 */
	public static void set(ServletRequest request, String tenant) {
		request.setAttribute(ATTRIBUTE, tenant);
	}

}
