package dev.metering.admin.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * Decides who may call the admin API: a caller with the configured API key, or (with Spring
 * Security) an authenticated caller holding the admin authority. Everyone else gets 401 or 403.
 */
final class AdminAccess {

	private final AdminApiSettings settings;

	private final boolean useSecurity;

	AdminAccess(AdminApiSettings settings, boolean useSecurity) {
		this.settings = settings;
		this.useSecurity = useSecurity;
	}

	/**
	 * The caller, for the audit trail.
	 * @param request the request
	 * @return the principal's name, or {@code api-key}
	 * @throws AdminAccessDeniedException when the caller may not change quotas
	 */
	String authorize(HttpServletRequest request) {
		String key = request.getHeader(AdminApiSettings.API_KEY_HEADER);
		if (key != null && this.settings.apiKey() != null) {
			if (MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8),
					this.settings.apiKey().getBytes(StandardCharsets.UTF_8))) {
				return "api-key";
			}
			throw new AdminAccessDeniedException(HttpStatus.UNAUTHORIZED, "The admin API key is wrong");
		}
		if (this.useSecurity) {
			return SecurityAccess.authorize(this.settings.authority());
		}
		throw new AdminAccessDeniedException(HttpStatus.UNAUTHORIZED, "The admin API needs the " + AdminApiSettings.API_KEY_HEADER + " header");
	}

	/** Spring Security, touched only when it is on the classpath. */
	private static final class SecurityAccess {

		static String authorize(String authority) {
			org.springframework.security.core.Authentication authentication = org.springframework.security.core.context.SecurityContextHolder
				.getContext()
				.getAuthentication();
			if (authentication == null || !authentication.isAuthenticated()
					|| authentication instanceof org.springframework.security.authentication.AnonymousAuthenticationToken) {
				throw new AdminAccessDeniedException(HttpStatus.UNAUTHORIZED, "The admin API needs an authenticated caller");
			}
			boolean granted = authentication.getAuthorities()
				.stream()
				.anyMatch((granted1) -> authority.equals(granted1.getAuthority()));
			if (!granted) {
				throw new AdminAccessDeniedException(HttpStatus.FORBIDDEN, "The admin API needs the authority " + authority);
			}
			return name(authentication.getName());
		}

		private static String name(@Nullable String name) {
			return (name != null && !name.isBlank()) ? name : "unknown";
		}

	}

}
