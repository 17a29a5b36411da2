package dev.metering.console;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * How the console is protected and what it shows.
 *
 * @param adminKey the admin API's key ({@code metering.admin.web.api-key}): sent in the
 * {@code X-Metering-Admin-Key} header or typed into the login form; {@code null} with Spring
 * Security only
 * @param authority the admin authority an authenticated caller needs for the operator pages
 * (with Spring Security)
 * @param tenantClaim the token claim that names a caller's own tenant (with Spring Security)
 * @param tenantAuthorityPrefix the prefix of an authority that names a caller's own tenant
 * @param sessionTimeout how long a login lasts
 * @param secureCookie whether the session cookie is marked {@code Secure} (off only for plain
 * HTTP on another host than localhost)
 * @param meters meters to show for every tenant, besides those its quotas and prices name
 */
public record ConsoleSettings(@Nullable String adminKey, String authority, String tenantClaim,
		String tenantAuthorityPrefix, Duration sessionTimeout, boolean secureCookie, List<String> meters) {

	/** The path the console is served under. */
	public static final String PATH = "/metering/console";

	public ConsoleSettings {
		if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
			throw new IllegalArgumentException("the session timeout must be positive");
		}
		meters = List.copyOf(meters);
	}

}
