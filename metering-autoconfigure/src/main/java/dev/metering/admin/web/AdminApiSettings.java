package dev.metering.admin.web;

import org.jspecify.annotations.Nullable;

/**
 * How the admin REST API is mounted and protected.
 *
 * @param basePath the path all endpoints live under, e.g. {@code /metering/admin} (the controller's
 * mapping reads it from {@code metering.admin.web.base-path})
 * @param authority the authority an authenticated caller needs (with Spring Security)
 * @param apiKey the static key of the {@code X-Metering-Admin-Key} header, or {@code null}
 * @param maxBodyBytes the largest request body accepted
 */
public record AdminApiSettings(String basePath, String authority, @Nullable String apiKey, long maxBodyBytes) {

	/** The header that carries the API key. */
	public static final String API_KEY_HEADER = "X-Metering-Admin-Key";

}
