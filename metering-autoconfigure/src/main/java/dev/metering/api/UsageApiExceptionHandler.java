package dev.metering.api;

import java.net.URI;
import java.util.Locale;

import dev.metering.billing.BillingException;
import dev.metering.event.InvalidUsageEventException;
import jakarta.servlet.http.HttpServletRequest;

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

	private static final int MAX_INSTANCE_LENGTH = 200;

	@ExceptionHandler(ApiException.class)
	ResponseEntity<ProblemDetail> refused(ApiException ex, HttpServletRequest request) {
		return problem(ex.getStatus(), ex.getField(), ex.getMessage(), request);
	}

	@ExceptionHandler(InvalidUsageEventException.class)
	ResponseEntity<ProblemDetail> invalidEvent(InvalidUsageEventException ex, HttpServletRequest request) {
		return problem(HttpStatus.BAD_REQUEST, EventJson.jsonField(ex.getField()), ex.getMessage(), request);
	}

	@ExceptionHandler(BillingException.class)
	ResponseEntity<ProblemDetail> billing(BillingException ex, HttpServletRequest request) {
		HttpStatus status = switch (ex.getReason()) {
			case UNKNOWN_TENANT -> HttpStatus.NOT_FOUND;
			case NOT_PRICED -> HttpStatus.UNPROCESSABLE_CONTENT;
			case INVALID -> HttpStatus.BAD_REQUEST;
		};
		return problem(status, ex.getField(), ex.getMessage(), request);
	}

	private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String field, String detail,
			HttpServletRequest request) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		// Spring would put the whole request path here: an 8 KB path would make an 8 KB problem.
		problem.setInstance(instance(request.getRequestURI()));
		problem.setType(URI.create(PROBLEM_TYPE_BASE + status.getReasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '-')));
		problem.setProperty("field", field);
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

	/** The request path, cut to a length a problem may quote (never inside a %-escape). */
	private static URI instance(String path) {
		if (path.length() <= MAX_INSTANCE_LENGTH) {
			return URI.create(path);
		}
		int end = MAX_INSTANCE_LENGTH;
		int escape = path.lastIndexOf('%', end - 1);
		if (escape > end - 3) {
			end = escape;
		}
		return URI.create(path.substring(0, end));
	}

}
