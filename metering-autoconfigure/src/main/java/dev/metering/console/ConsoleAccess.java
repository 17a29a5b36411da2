package dev.metering.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;

import dev.metering.tenant.PrincipalTenantResolver;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.http.HttpStatus;

/**
 * The admin API's rule for the console. With Spring Security: a caller with the admin authority
 * is an operator, a caller whose authentication names a tenant (the usage API's rule) sees that
 * tenant only. Without it: the admin key, in the {@code X-Metering-Admin-Key} header (scripts) or
 * typed into the login form, which sets a signed session cookie (browsers).
 */
final class ConsoleAccess {

	/** The header scripts send the admin key in: the admin API's. */
	static final String KEY_HEADER = "X-Metering-Admin-Key";

	static final String SESSION_COOKIE = "metering_console";

	static final String LOGIN_COOKIE = "metering_console_login";

	/** Where Spring Security's CSRF filter leaves the request's token. */
	static final String SECURITY_CSRF_ATTRIBUTE = "org.springframework.security.web.csrf.CsrfToken";

	private final ConsoleSettings settings;

	private final ConsoleTokens tokens;

	private final boolean useSecurity;

	private final PrincipalTenantResolver tenants;

	ConsoleAccess(ConsoleSettings settings, ConsoleTokens tokens, boolean useSecurity) {
		this.settings = settings;
		this.tokens = tokens;
		this.useSecurity = useSecurity;
		this.tenants = new PrincipalTenantResolver(settings.tenantClaim(), settings.tenantAuthorityPrefix());
	}

	/** Whether browsers log in with the console's form (no Spring Security). */
	boolean loginForm() {
		return !this.useSecurity && this.settings.adminKey() != null;
	}

	/**
	 * The caller of a request.
	 * @param request the request
	 * @return the caller, or {@code null} when it has not logged in
	 * @throws ConsoleException 401 for a wrong key, 403 for an authenticated caller that is
	 * neither an operator nor a tenant
	 */
	@Nullable ConsoleCaller caller(HttpServletRequest request) {
		String key = request.getHeader(KEY_HEADER);
		if (key != null) {
			if (!keyMatches(key)) {
				throw new ConsoleException(HttpStatus.UNAUTHORIZED, KEY_HEADER, "The admin key is wrong");
			}
			return new ConsoleCaller("api-key", null, null, false);
		}
		if (this.useSecurity) {
			return principalCaller(request.getUserPrincipal());
		}
		ConsoleTokens.Session session = this.tokens.session(cookie(request, SESSION_COOKIE));
		return (session != null) ? new ConsoleCaller("console", session.tenant(), session.nonce(), true) : null;
	}

	/**
	 * Whether a key typed into the login form is the admin key; compared in constant time.
	 * @param key the key
	 * @return whether it is
	 */
	boolean keyMatches(@Nullable String key) {
		String expected = this.settings.adminKey();
		return key != null && expected != null
				&& MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
	}

	private @Nullable ConsoleCaller principalCaller(@Nullable Principal principal) {
		if (principal == null) {
			return null;
		}
		String name = (principal.getName() != null && !principal.getName().isBlank()) ? principal.getName() : "unknown";
		if (SecurityAuthorities.has(principal, this.settings.authority())) {
			return new ConsoleCaller(name, null, "principal|" + name, false);
		}
		String tenant = this.tenants.tenantOf(principal);
		if (tenant == null) {
			throw ConsoleException.forbidden("The console needs the authority " + this.settings.authority()
					+ " or a caller whose authentication names its tenant");
		}
		return new ConsoleCaller(name, tenant, "principal|" + name, false);
	}

	/**
	 * Spring Security's CSRF token of a request, when its filter put one there: the console's
	 * forms carry it, or that filter would refuse them before the console sees them. Read as a
	 * bean, so the console needs no compile dependency on spring-security-web.
	 * @param request the request
	 * @return the field, or {@code null}
	 */
	static Html.@Nullable Hidden securityCsrfToken(HttpServletRequest request) {
		Object token = request.getAttribute(SECURITY_CSRF_ATTRIBUTE);
		if (token == null) {
			return null;
		}
		BeanWrapper bean = new BeanWrapperImpl(token);
		Object name = bean.getPropertyValue("parameterName");
		Object value = bean.getPropertyValue("token");
		return (name != null && value != null) ? new Html.Hidden(name.toString(), value.toString()) : null;
	}

	static @Nullable String cookie(HttpServletRequest request, String name) {
		Cookie[] cookies = request.getCookies();
		if (cookies == null) {
			return null;
		}
		for (Cookie cookie : cookies) {
			if (name.equals(cookie.getName())) {
				return cookie.getValue();
			}
		}
		return null;
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
