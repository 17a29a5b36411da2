package dev.metering.tenant;

import java.lang.reflect.Method;
import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The tenant of the authenticated principal, read only from what its authentication vouches for:
 * a claim of the token ({@code metering.web.tenant-claim}, default {@code tenant}) when the
 * principal carries claims (a Spring Security JWT or OIDC user), else a granted authority
 * {@code TENANT_<id>} ({@code metering.web.tenant-authority-prefix}) when it holds exactly one.
 * Never the principal's name: where users choose their names, one could pick another tenant's
 * id. Unauthenticated requests, and principals with neither, have no tenant.
 */
public class PrincipalTenantResolver implements TenantResolver {

	/** The default prefix of the authority that names a principal's tenant. */
	public static final String DEFAULT_AUTHORITY_PREFIX = "TENANT_";

	private static final String AUTHENTICATION = "org.springframework.security.core.Authentication";

	private static final String CLAIM_ACCESSOR = "org.springframework.security.oauth2.core.ClaimAccessor";

	private final String claim;

	private final String authorityPrefix;

	/**
	 * A resolver with the default authority prefix.
	 * @param claim the token claim naming the tenant
	 */
	public PrincipalTenantResolver(String claim) {
		this(claim, DEFAULT_AUTHORITY_PREFIX);
	}

	/**
	 * A resolver.
	 * @param claim the token claim naming the tenant
	 * @param authorityPrefix the prefix of the granted authority naming the tenant, not blank
	 */
	public PrincipalTenantResolver(String claim, String authorityPrefix) {
		if (authorityPrefix == null || authorityPrefix.isBlank()) {
			throw new IllegalArgumentException("the tenant authority prefix must not be blank");
		}
		this.claim = claim;
		this.authorityPrefix = authorityPrefix;
	}

	@Override
	public @Nullable String resolveTenant(HttpServletRequest request) {
		return tenantOf(request.getUserPrincipal());
	}

	/**
	 * The tenant an authenticated principal belongs to.
	 * @param principal the principal, {@code null} when unauthenticated
	 * @return the tenant of its claim or authority, {@code null} when it has none
	 */
	public @Nullable String tenantOf(@Nullable Principal principal) {
		if (principal == null) {
			return null;
		}
		Object claims = claimsOf(principal);
		if (claims != null) {
			Object value = claimValue(claims);
			if (value != null && !value.toString().isBlank()) {
				return value.toString();
			}
		}
		ClassLoader loader = principal.getClass().getClassLoader();
		if (ClassUtils.isPresent(AUTHENTICATION, loader)) {
			return SecurityAuthorities.tenantOf(principal, this.authorityPrefix);
		}
		return null;
	}

	/** The object holding the token's claims, if any; reflective so Spring Security stays optional. */
	private static @Nullable Object claimsOf(Principal principal) {
		ClassLoader loader = principal.getClass().getClassLoader();
		if (!ClassUtils.isPresent(CLAIM_ACCESSOR, loader)) {
			return null;
		}
		Class<?> claimAccessor = ClassUtils.resolveClassName(CLAIM_ACCESSOR, loader);
		if (claimAccessor.isInstance(principal)) {
			return principal;
		}
		if (ClassUtils.isPresent(AUTHENTICATION, loader)
				&& ClassUtils.resolveClassName(AUTHENTICATION, loader).isInstance(principal)) {
			// Looked up on the public interface: the authentication's own class may not be public.
			Method getPrincipal = ReflectionUtils.findMethod(ClassUtils.resolveClassName(AUTHENTICATION, loader),
					"getPrincipal");
			Object inner = (getPrincipal != null) ? ReflectionUtils.invokeMethod(getPrincipal, principal) : null;
			if (claimAccessor.isInstance(inner)) {
				return inner;
			}
		}
		return null;
	}

	private @Nullable Object claimValue(Object claims) {
		Class<?> claimAccessor = ClassUtils.resolveClassName(CLAIM_ACCESSOR, claims.getClass().getClassLoader());
		Method getClaim = ReflectionUtils.findMethod(claimAccessor, "getClaim", String.class);
		return (getClaim != null) ? ReflectionUtils.invokeMethod(getClaim, claims, this.claim) : null;
	}

	/** Spring Security, touched only when it is on the classpath. */
	private static final class SecurityAuthorities {

		static @Nullable String tenantOf(Principal principal, String prefix) {
			if (!(principal instanceof org.springframework.security.core.Authentication authentication)
					|| !authentication.isAuthenticated()) {
				return null;
			}
			String tenant = null;
			for (org.springframework.security.core.GrantedAuthority granted : authentication.getAuthorities()) {
				String authority = granted.getAuthority();
				if (authority != null && authority.startsWith(prefix) && authority.length() > prefix.length()) {
					if (tenant != null) {
						// Two tenants: which one a request is for cannot be told, so neither.
						return null;
					}
					tenant = authority.substring(prefix.length());
				}
			}
			return tenant;
		}

	}

}
