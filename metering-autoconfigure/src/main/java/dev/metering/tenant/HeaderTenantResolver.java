package dev.metering.tenant;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * The tenant named by a request header ({@code metering.web.tenant-header}, default
 * {@code X-Tenant-Id}). Only for services whose callers are trusted to name their tenant, for
 * example behind a gateway that sets the header after authentication.
 */
public class HeaderTenantResolver implements TenantResolver {

	private final String headerName;

	public HeaderTenantResolver(String headerName) {
		this.headerName = headerName;
	}

	@Override
	public @Nullable String resolveTenant(HttpServletRequest request) {
		String tenant = request.getHeader(this.headerName);
		return (tenant == null || tenant.isBlank()) ? null : tenant.trim();
	}

}
