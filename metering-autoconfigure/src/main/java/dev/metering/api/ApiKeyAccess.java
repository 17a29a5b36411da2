package dev.metering.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;

/**
 * Every call must carry the configured API key in a header; the key acts for any tenant.
 * Compared in constant time.
 */
public final class ApiKeyAccess implements ApiAccess {

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
		String sent = request.getHeader(this.header);
		if (sent == null || !MessageDigest.isEqual(this.key, sent.getBytes(StandardCharsets.UTF_8))) {
			throw new ApiException(HttpStatus.UNAUTHORIZED, this.header, "a valid API key is required in header "
					+ this.header);
		}
	}

}
