package dev.metering.api;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Decides whether a caller may act for a tenant. Declare a bean of this type to replace the
 * kit's rule ({@code metering.api.auth}).
 */
@FunctionalInterface
public interface ApiAccess {

	/**
	 * Checks a caller.
	 * @param request the request
	 * @param tenant the tenant the request reads or writes
	 * @throws ApiException 401 when the caller is not authenticated, 403 when it may not act for
	 * the tenant
	 */
	void authorize(HttpServletRequest request, String tenant);

	/**
	 * Anyone may act for any tenant: for local development only.
	 * @return the open access
	 */
	static ApiAccess anyone() {
		return (request, tenant) -> {
		};
	}

}
