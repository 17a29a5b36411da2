package dev.metering.api;

import java.security.Principal;

import dev.metering.tenant.PrincipalTenantResolver;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.util.ClassUtils;

/**
 * The caller must be authenticated, and its own tenant must be the tenant it reads or writes,
 * unless it holds the admin authority. The caller's tenant is what its authentication vouches
 * for (a token claim or a {@code TENANT_<id>} authority, see {@link PrincipalTenantResolver}),
 * never the application's request {@code TenantResolver}, which may read a header or a host
 * name the client chose. Works with Spring Security's request wrapper, whose
 * {@code getUserPrincipal} is the {@code Authentication}.
 */
public final class TenantPrincipalAccess implements ApiAccess {

	private static final String AUTHENTICATION = "org.springframework.security.core.Authentication";

	private final PrincipalTenantResolver tenants;

	private final String adminAuthority;

	/**
	 * A tenant check.
	 * @param tenants reads the caller's tenant from its authentication
	 * @param adminAuthority the granted authority that may act for any tenant (exactly, no
	 * {@code ROLE_} prefix added), the admin API's
	 */
	public TenantPrincipalAccess(PrincipalTenantResolver tenants, String adminAuthority) {
		this.tenants = tenants;
		this.adminAuthority = adminAuthority;
	}

	@Override
	public void authorize(HttpServletRequest request, String tenant) {
		Principal principal = request.getUserPrincipal();
		if (principal == null) {
			throw new ApiException(HttpStatus.UNAUTHORIZED, "tenant_id", "authentication is required");
		}
		if (hasAuthority(principal, this.adminAuthority)) {
			return;
		}
		if (!tenant.equals(this.tenants.tenantOf(principal))) {
			throw new ApiException(HttpStatus.FORBIDDEN, "tenant_id",
					"the caller may not act for tenant '" + tenant + "'");
		}
	}

	private static boolean hasAuthority(Principal principal, String authority) {
		return ClassUtils.isPresent(AUTHENTICATION, principal.getClass().getClassLoader())
				&& SecurityAuthorities.has(principal, authority);
	}

	/** Spring Security, touched only when it is on the classpath. */
	private static final class SecurityAuthorities {

		static boolean has(Principal principal, String authority) {
			return principal instanceof org.springframework.security.core.Authentication authentication
					&& authentication.isAuthenticated() && authentication.getAuthorities()
						.stream()
						.anyMatch((granted) -> authority.equals(granted.getAuthority()));
		}

	}

}
