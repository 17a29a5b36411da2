package dev.metering.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * Every call must carry the configured API key, in its header or, as OpenMeter's clients send
 * it, as {@code Authorization: Bearer <key>}; the key acts for any tenant. Compared in constant
 * time.
 */
public final class ApiKeyAccess implements ApiAccess {

	private static final String BEARER = "Bearer ";

	private final String header;

	private final byte[] key;

	/**
	 * An API key check.
	 * @param header the request header that carries the key
	 * @param key the key, not blank
	 */
	public ApiKeyAccess(String header, String key) {
		if (key.isBlank()) {
			throw new IllegalArgumentException("the API key must not be blank");
		}
		this.header = header;
		this.key = key.getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public void authorize(HttpServletRequest request, String tenant) {
		if (!matches(request.getHeader(this.header)) && !matches(bearerToken(request))) {
			ApiException refused = new ApiException(HttpStatus.UNAUTHORIZED, this.header,
					"a valid API key is required in header " + this.header + " or as Authorization: Bearer <key>");
			refused.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
			throw refused;
		}
	}

	private boolean matches(@Nullable String sent) {
		return sent != null && MessageDigest.isEqual(this.key, sent.getBytes(StandardCharsets.UTF_8));
	}

	/** The token of {@code Authorization: Bearer <token>} (the scheme in any case, RFC 9110), or {@code null}. */
	private static @Nullable String bearerToken(HttpServletRequest request) {
		String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (authorization == null || authorization.length() <= BEARER.length()
				|| !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
			return null;
		}
		return authorization.substring(BEARER.length()).strip();
	}

}
