package dev.metering.kafka;

import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The broker did not take or confirm events in time. A data access failure, as a database
 * outage is: the ledger writer keeps the batch and retries it, the spool takes the overflow.
 */
public class KafkaPathException extends DataAccessResourceFailureException {

	public KafkaPathException(String message, Throwable cause) {
		super(message, cause);
	}

	public KafkaPathException(String message) {
		super(message);
	}

}
