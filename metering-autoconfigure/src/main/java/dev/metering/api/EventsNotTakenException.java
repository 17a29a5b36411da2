package dev.metering.api;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The writer could not take every event of a request (buffer full, spool full, writer
 * stopped): 503 with {@code Retry-After}, saying how many were recorded. Events are taken in
 * order, so those are the first ones; the client retries from {@code first_not_recorded} (or
 * the whole request: the recorded ones then answer as duplicates when they carry idempotency
 * keys).
 */
final class EventsNotTakenException extends ErrorResponseException {

	/** A full buffer drains in well under a second when the database is up; during an outage, clients back off further themselves. */
	private static final int RETRY_AFTER_SECONDS = 1;

	/**
	 * @param recorded events recorded
	 * @param notRecorded events not recorded
	 * @param duplicates events skipped as retries of an idempotency key already recorded
	 * @param firstNotRecorded index in the request of the first event not recorded
	 */
	EventsNotTakenException(int recorded, int notRecorded, int duplicates, int firstNotRecorded) {
		super(HttpStatus.SERVICE_UNAVAILABLE, problem(recorded, notRecorded, duplicates, firstNotRecorded), null);
		getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS));
	}

	private static ProblemDetail problem(int recorded, int notRecorded, int duplicates, int firstNotRecorded) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, notRecorded
				+ " event(s) not recorded: the metering writer cannot take them now (buffer full, spool full or "
				+ "writer stopped); " + recorded + " recorded (the first ones), retry from index " + firstNotRecorded);
		problem.setProperty("field", "events");
		problem.setProperty("recorded", recorded);
		problem.setProperty("not_recorded", notRecorded);
		problem.setProperty("duplicates", duplicates);
		problem.setProperty("first_not_recorded", firstNotRecorded);
		return problem;
	}

}
