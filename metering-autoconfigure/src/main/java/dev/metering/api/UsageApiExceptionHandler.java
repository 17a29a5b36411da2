package dev.metering.api;

import java.net.URI;
import java.util.Locale;

import dev.metering.billing.BillingException;
import dev.metering.event.InvalidUsageEventException;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
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

	/** A full buffer drains in well under a second when the database is up; during an outage, clients back off further themselves. */
	private static final int RETRY_AFTER_SECONDS = 1;

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

	/**
	 * The answer when the writer could not take every event of a request (buffer full, spool
	 * full, writer stopped): 503 with {@code Retry-After}, and a problem saying how many were
	 * recorded. Events are taken in order, so those are the first ones; the client retries from
	 * {@code first_not_recorded} (or the whole request: the recorded ones then answer as
	 * duplicates when they carry idempotency keys, and are skipped by their event ids).
	 * @param recorded events recorded
	 * @param notRecorded events not recorded
	 * @param duplicates events skipped as retries of an idempotency key already recorded
	 * @param firstNotRecorded index in the request of the first event not recorded
	 * @return the response
	 */
	static ResponseEntity<ProblemDetail> notRecorded(int recorded, int notRecorded, int duplicates,
			int firstNotRecorded) {
		HttpStatus status = HttpStatus.SERVICE_UNAVAILABLE;
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, notRecorded + " event(s) not recorded: the "
				+ "metering writer cannot take them now (buffer full, spool full or writer stopped); " + recorded
				+ " recorded (the first ones), retry from index " + firstNotRecorded);
		problem.setType(URI.create(PROBLEM_TYPE_BASE + "service-unavailable"));
		problem.setProperty("field", "events");
		problem.setProperty("recorded", recorded);
		problem.setProperty("not_recorded", notRecorded);
		problem.setProperty("duplicates", duplicates);
		problem.setProperty("first_not_recorded", firstNotRecorded);
		return ResponseEntity.status(status)
			.header(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS))
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
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
