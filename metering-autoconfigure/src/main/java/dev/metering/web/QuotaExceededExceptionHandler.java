package dev.metering.web;

import dev.metering.quota.QuotaExceededException;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns a {@link QuotaExceededException} thrown by application code into the kit's 429: the same
 * problem body and headers as the filter's. Lowest precedence, so an application's own
 * {@code @ExceptionHandler} for it wins; declare a bean of this type to replace it.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class QuotaExceededExceptionHandler {

	/**
	 * The 429 response of a quota exceeded.
	 * @param ex the exception
	 * @return the problem response with Retry-After and the RateLimit fields
	 */
	@ExceptionHandler(QuotaExceededException.class)
	public ResponseEntity<ProblemDetail> handleQuotaExceeded(QuotaExceededException ex) {
		return ResponseEntity.status(ex.getStatusCode())
			.headers(ex.getHeaders())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(ex.getBody());
	}

}
