package dev.metering.entitlement;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns a {@link FeatureNotEntitledException} into the kit's 403 problem response. Lowest
 * precedence, so an application's own {@code @ExceptionHandler} for it wins; declare a bean of
 * this type to replace it.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class FeatureNotEntitledExceptionHandler {

	/**
	 * The 403 response of a feature not entitled.
	 * @param ex the exception
	 * @return the problem response
	 */
	@ExceptionHandler(FeatureNotEntitledException.class)
	public ResponseEntity<ProblemDetail> handleFeatureNotEntitled(FeatureNotEntitledException ex) {
		return ResponseEntity.status(ex.getStatusCode())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(ex.getBody());
	}

}
