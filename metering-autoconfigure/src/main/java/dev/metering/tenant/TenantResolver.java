package dev.metering.tenant;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Tells which tenant a request belongs to. Declare a bean of this type to replace the kit's
 * resolver: by default the authenticated principal when Spring Security is present, else the
 * {@code X-Tenant-Id} header from trusted proxies ({@code metering.web.tenant-source}).
 */
@FunctionalInterface
public interface TenantResolver {

	/**
	 * The tenant of a request.
	 * @param request the current request
	 * @return the tenant id, or {@code null} when the request has none (anonymous)
	 */
	@Nullable String resolveTenant(HttpServletRequest request);

}
