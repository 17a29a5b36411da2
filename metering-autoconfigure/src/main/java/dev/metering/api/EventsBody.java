package dev.metering.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The answer to a batch on {@code POST /events}; a single event is answered with its
 * {@link Result} alone.
 *
 * @param recorded events recorded
 * @param duplicates events that were retries of an idempotency key already in the ledger
 * @param accepted events taken without knowing whether their key was a retry
 * @param events each event's outcome, in request order
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record EventsBody(int recorded, int duplicates, int accepted, List<Result> events) {

	/**
	 * One event's outcome.
	 *
	 * @param id its event id (the first one's, for a duplicate)
	 * @param status {@code recorded}, {@code duplicate} or {@code accepted}
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Result(String id, String status) {
	}

}
