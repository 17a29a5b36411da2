package dev.metering.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The answer to CloudEvents on {@code POST /events} (202): the events were taken into the
 * writer; whether one was a retry of a (source, id) the ledger already holds is not looked up
 * (its ledger ids are the same, so the ledger keeps it once).
 *
 * @param accepted CloudEvents taken
 * @param duplicates CloudEvents of the request that repeated an earlier one's subject, source
 * and id, taken once
 * @param meterEvents ledger events made of them: one per meter that reads each event's type
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record CloudEventsBody(int accepted, int duplicates, int meterEvents) {
}
