package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import dev.metering.meter.Aggregation;

/**
 * One group's usage of a defined meter over whole hours, composed from its hourly rollups.
 *
 * @param groups the group's values by dimension (empty for an ungrouped meter)
 * @param sum the sum of the values
 * @param count the number of events
 * @param min the smallest value
 * @param max the largest value
 * @param latest the value of the event with the latest occurred_at, then the larger event id
 * @param latestAt that event's occurred_at
 * @param latestEventId that event's id
 */
public record MeterGroupUsage(Map<String, String> groups, BigDecimal sum, long count, BigDecimal min, BigDecimal max,
		BigDecimal latest, Instant latestAt, String latestEventId) {

	/**
	 * The group's value under an aggregation other than unique-count (read from
	 * {@link MeterRollupReader#uniqueCounts}).
	 * @param aggregation the meter's aggregation
	 * @return the value
	 * @throws IllegalArgumentException for unique-count
	 */
	public BigDecimal value(Aggregation aggregation) {
		return switch (aggregation) {
			case SUM -> this.sum;
			case COUNT -> BigDecimal.valueOf(this.count);
			case MIN -> this.min;
			case MAX -> this.max;
			case LATEST -> this.latest;
			case UNIQUE_COUNT -> throw new IllegalArgumentException(
					"A unique count is not composed from hours: read MeterRollupReader.uniqueCounts");
		};
	}

}
