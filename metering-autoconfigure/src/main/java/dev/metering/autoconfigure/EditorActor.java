package dev.metering.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Who changes the tenant hierarchy through the Java API, for the audit trail: the authenticated
 * principal when Spring Security knows one, else {@code application}.
 */
final class EditorActor {

	private static final boolean SECURITY = ClassUtils.isPresent(
			"org.springframework.security.core.context.SecurityContextHolder", EditorActor.class.getClassLoader());

	private EditorActor() {
	}

	static String current() {
		String name = SECURITY ? Security.name() : null;
		return (name != null && !name.isBlank()) ? name : "application";
	}

	/** Spring Security, touched only when it is on the classpath. */
	private static final class Security {

		static @Nullable String name() {
			org.springframework.security.core.Authentication authentication = org.springframework.security.core.context.SecurityContextHolder
				.getContext()
				.getAuthentication();
			if (authentication == null || !authentication.isAuthenticated()
					|| authentication instanceof org.springframework.security.authentication.AnonymousAuthenticationToken) {
				return null;
			}
			return authentication.getName();
		}

	}

}
