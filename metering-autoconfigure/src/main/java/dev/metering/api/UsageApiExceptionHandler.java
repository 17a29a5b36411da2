package dev.metering.api;

import java.net.URI;
import java.util.Locale;

import dev.metering.billing.BillingException;
import dev.metering.event.InvalidUsageEventException;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Renders the API's refusals as RFC 9457 {@code application/problem+json} with a
 * {@code field} member naming the input at fault. Applies to the API's controller only.
 */
@RestControllerAdvice(assignableTypes = UsageApiController.class)
public class UsageApiExceptionHandler {

	/** Base of the problem type URIs. */
	public static final String PROBLEM_TYPE_BASE = "https://metering.dev/problems/";

	@ExceptionHandler(ApiException.class)
	ResponseEntity<ProblemDetail> refused(ApiException ex) {
		return problem(ex.getStatus(), ex.getField(), ex.getMessage());
	}

	@ExceptionHandler(InvalidUsageEventException.class)
	ResponseEntity<ProblemDetail> invalidEvent(InvalidUsageEventException ex) {
		return problem(HttpStatus.BAD_REQUEST, EventJson.jsonField(ex.getField()), ex.getMessage());
	}

	@ExceptionHandler(BillingException.class)
	ResponseEntity<ProblemDetail> billing(BillingException ex) {
		HttpStatus status = switch (ex.getReason()) {
			case UNKNOWN_TENANT -> HttpStatus.NOT_FOUND;
			case NOT_PRICED -> HttpStatus.UNPROCESSABLE_CONTENT;
			case INVALID -> HttpStatus.BAD_REQUEST;
		};
		return problem(status, ex.getField(), ex.getMessage());
	}

	private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String field, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(URI.create(PROBLEM_TYPE_BASE + status.getReasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '-')));
		problem.setProperty("field", field);
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}
