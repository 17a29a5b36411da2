package dev.metering.tenant;

import java.lang.reflect.Method;
import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The tenant of the authenticated principal: a claim of the token ({@code metering.web.tenant-claim},
 * default {@code tenant}) when the principal carries claims (a Spring Security JWT or OIDC
 * user), otherwise the principal's name. Unauthenticated requests have no tenant.
 */
public class PrincipalTenantResolver implements TenantResolver {

	private static final String AUTHENTICATION = "org.springframework.security.core.Authentication";

	private static final String CLAIM_ACCESSOR = "org.springframework.security.oauth2.core.ClaimAccessor";

	private final String claim;

	public PrincipalTenantResolver(String claim) {
		this.claim = claim;
	}

	@Override
	public @Nullable String resolveTenant(HttpServletRequest request) {
		Principal principal = request.getUserPrincipal();
		if (principal == null) {
			return null;
		}
		Object claims = claimsOf(principal);
		if (claims != null) {
			Object value = claimValue(claims);
			return (value != null && !value.toString().isBlank()) ? value.toString() : null;
		}
		String name = principal.getName();
		return (name == null || name.isBlank()) ? null : name;
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
			Method getPrincipal = ReflectionUtils.findMethod(principal.getClass(), "getPrincipal");
			Object inner = (getPrincipal != null) ? ReflectionUtils.invokeMethod(getPrincipal, principal) : null;
			if (claimAccessor.isInstance(inner)) {
				return inner;
			}
		}
		return null;
	}

	private @Nullable Object claimValue(Object claims) {
		Method getClaim = ReflectionUtils.findMethod(claims.getClass(), "getClaim", String.class);
		return (getClaim != null) ? ReflectionUtils.invokeMethod(getClaim, claims, this.claim) : null;
	}

}
