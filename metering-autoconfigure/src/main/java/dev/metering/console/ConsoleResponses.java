package dev.metering.console;

import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The headers every console page is sent with: a Content-Security-Policy that allows no script
 * and nothing from another origin, no caching, no referrer.
 */
final class ConsoleResponses {

	private static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
			+ "frame-ancestors 'none'; base-uri 'none'";

	private ConsoleResponses() {
	}

	static String base(HttpServletRequest request) {
		return request.getContextPath() + ConsoleSettings.PATH;
	}

	static ResponseEntity<String> redirect(HttpServletRequest request, String path) {
		return ResponseEntity.status(HttpStatus.SEE_OTHER).location(URI.create(base(request) + path)).build();
	}

	static ResponseEntity<String> html(HttpStatus status, String body) {
		return ResponseEntity.status(status).headers(pageHeaders()).body(body);
	}

	static HttpHeaders pageHeaders() {
		HttpHeaders headers = new HttpHeaders();
		headers.setContentType(MediaType.parseMediaType("text/html;charset=UTF-8"));
		headers.set("Content-Security-Policy", CSP);
		headers.set("X-Content-Type-Options", "nosniff");
		headers.set("Referrer-Policy", "no-referrer");
		headers.setCacheControl("no-store");
		return headers;
	}

}
