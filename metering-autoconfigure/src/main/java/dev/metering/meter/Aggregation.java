package dev.metering.meter;

/**
 * How a meter's events add up over a window. In {@code application.yml}: {@code sum},
 * {@code count}, {@code max}, {@code min}, {@code latest}, {@code unique-count}.
 */
public enum Aggregation {

	/** The sum of the events' values (a meter without a definition is this, of {@code quantity}). */
	SUM,

	/** The number of events. */
	COUNT,

	/** The largest value. */
	MAX,

	/** The smallest value. */
	MIN,

	/** The value of the event with the latest {@code occurred_at}, then the larger event id. */
	LATEST,

	/** The number of distinct values of one property of the data in the window. */
	UNIQUE_COUNT;

	/**
	 * The name used in {@code application.yml} and the APIs.
	 * @return e.g. {@code unique-count}
	 */
	public String configName() {
		return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
	}

}
