package dev.metering.event;

/**
 * Valid events the kit could not take: the writer's buffer was full (after
 * {@code metering.writer.block-timeout} under the {@code block} overflow policy), the spool's
 * disk budget was spent, or the writer had stopped and could not write them. The events counted
 * by {@link #recorded()} are recorded; the others are not, and will not be: the caller may retry
 * them (with the same event ids or idempotency keys, a retry is never counted twice).
 * <p>
 * Events of a batch are offered in order and the first refusal stops the batch, so the recorded
 * ones are always the first {@link #recorded()} of it.
 */
public class UsageNotRecordedException extends RuntimeException {

	private final int recorded;

	private final int notRecorded;

	/**
	 * Creates the exception.
	 * @param recorded how many events of the call were recorded (the first ones)
	 * @param notRecorded how many were not
	 */
	public UsageNotRecordedException(int recorded, int notRecorded) {
		super(notRecorded + " of " + (recorded + notRecorded) + " usage events not recorded: the metering writer "
				+ "could not take them (buffer full, spool full or writer stopped)");
		this.recorded = recorded;
		this.notRecorded = notRecorded;
	}

	/**
	 * The events that were recorded: the first ones of the call.
	 * @return their number
	 */
	public int recorded() {
		return this.recorded;
	}

	/**
	 * The events that were not recorded: the last ones of the call.
	 * @return their number, at least 1
	 */
	public int notRecorded() {
		return this.notRecorded;
	}

}
