package dev.metering.console;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * Signed session cookies and CSRF tokens. Nothing is kept on the server: every instance that has
 * the same admin key accepts the same cookie, so a login survives a restart and a load balancer.
 * Without a key (Spring Security) the secret is random per instance; it then only signs CSRF tokens.
 */
final class ConsoleTokens {

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private static final SecureRandom RANDOM = new SecureRandom();

	private final byte[] secret;

	private final Duration timeout;

	private final Clock clock;

	ConsoleTokens(@Nullable String adminKey, Duration timeout, Clock clock) {
		this.secret = (adminKey != null) ? sha256("metering-console|" + adminKey) : randomBytes(32);
		this.timeout = timeout;
		this.clock = clock;
	}

	/**
	 * A new session.
	 * @param tenant the one tenant it may see, or {@code null} for an operator
	 * @return the cookie value
	 */
	String newSession(@Nullable String tenant) {
		long expires = this.clock.instant().plus(this.timeout).getEpochSecond();
		String payload = expires + "|" + nonce() + "|" + ((tenant != null) ? tenant : "");
		return encode(payload.getBytes(StandardCharsets.UTF_8)) + "." + encode(mac(payload));
	}

	/**
	 * The session of a cookie.
	 * @param cookie the cookie value
	 * @return the session, or {@code null} when the cookie is forged, damaged or expired
	 */
	@Nullable Session session(@Nullable String cookie) {
		if (cookie == null) {
			return null;
		}
		int dot = cookie.indexOf('.');
		if (dot < 1) {
			return null;
		}
		String payload;
		try {
			payload = new String(Base64.getUrlDecoder().decode(cookie.substring(0, dot)), StandardCharsets.UTF_8);
			if (!MessageDigest.isEqual(mac(payload), Base64.getUrlDecoder().decode(cookie.substring(dot + 1)))) {
				return null;
			}
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		String[] parts = payload.split("\\|", 3);
		if (parts.length != 3) {
			return null;
		}
		Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[0]));
		if (!expires.isAfter(this.clock.instant())) {
			return null;
		}
		return new Session(parts[1], parts[2].isEmpty() ? null : parts[2]);
	}

	/**
	 * The CSRF token of a session or caller: forms carry it, and a post is refused without it.
	 * @param binding what the token belongs to (a session's nonce, a principal's name)
	 * @return the token
	 */
	String csrf(String binding) {
		return encode(mac("csrf|" + binding));
	}

	boolean csrfMatches(String binding, @Nullable String sent) {
		return sent != null && MessageDigest.isEqual(csrf(binding).getBytes(StandardCharsets.UTF_8),
				sent.getBytes(StandardCharsets.UTF_8));
	}

	/** How long a session lasts. */
	Duration timeout() {
		return this.timeout;
	}

	String nonce() {
		return encode(randomBytes(18));
	}

	private byte[] mac(String payload) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(this.secret, "HmacSHA256"));
			return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is part of every JDK", ex);
		}
	}

	private static byte[] sha256(String text) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("SHA-256 is part of every JDK", ex);
		}
	}

	private static byte[] randomBytes(int length) {
		byte[] bytes = new byte[length];
		RANDOM.nextBytes(bytes);
		return bytes;
	}

	private static String encode(byte[] bytes) {
		return ENCODER.encodeToString(bytes);
	}

	/**
	 * A logged-in browser.
	 *
	 * @param nonce the session's random part, which its CSRF token is bound to
	 * @param tenant the one tenant it may see, or {@code null} for an operator
	 */
	record Session(String nonce, @Nullable String tenant) {
	}

}
