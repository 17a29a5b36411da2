package dev.metering.api;

import dev.metering.tenant.TenantResolver;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;

/**
 * The caller must be authenticated, and its tenant (as the kit's {@link TenantResolver}
 * resolves it) must be the tenant it reads or writes, unless it has the admin role. Works with
 * Spring Security through the servlet request it wraps ({@code getUserPrincipal},
 * {@code isUserInRole}), so the kit needs no compile-time dependency on it.
 */
public final class TenantPrincipalAccess implements ApiAccess {

	private final TenantResolver tenants;

	private final String adminRole;

	/**
	 * A tenant check.
	 * @param tenants resolves the caller's tenant
	 * @param adminRole the role that may act for any tenant
	 */
	public TenantPrincipalAccess(TenantResolver tenants, String adminRole) {
		this.tenants = tenants;
		this.adminRole = adminRole;
	}

	@Override
	public void authorize(HttpServletRequest request, String tenant) {
		if (request.getUserPrincipal() == null) {
			throw new ApiException(HttpStatus.UNAUTHORIZED, "tenant_id", "authentication is required");
		}
		if (request.isUserInRole(this.adminRole)) {
			return;
		}
		String own = this.tenants.resolveTenant(request);
		if (!tenant.equals(own)) {
			throw new ApiException(HttpStatus.FORBIDDEN, "tenant_id",
					"the caller may not act for tenant '" + tenant + "'");
		}
	}

}
