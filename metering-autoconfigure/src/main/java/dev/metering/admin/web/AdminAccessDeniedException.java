package dev.metering.admin.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A call without valid credentials (401, with the challenge naming the key's header) or
 * without the admin authority (403).
 */
final class AdminAccessDeniedException extends ErrorResponseException {

	AdminAccessDeniedException(HttpStatus status, String detail) {
		super(status, ProblemDetail.forStatusAndDetail(status, detail), null);
		if (status == HttpStatus.UNAUTHORIZED) {
			getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "ApiKey header=\"" + AdminApiSettings.API_KEY_HEADER + "\"");
		}
	}

}
