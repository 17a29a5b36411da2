package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.meter.Aggregation;
import org.jspecify.annotations.Nullable;

/**
 * A tenant's usage of a defined meter over a range, under the meter's aggregation, in buckets:
 * of every event the filter keeps, and of each group when grouped.
 *
 * @param tenant the tenant
 * @param meter the meter
 * @param aggregation how the values are computed
 * @param period the range
 * @param granularity the bucket size
 * @param groupBy the dimensions of the groups (empty: not grouped)
 * @param filter the dimension values every counted event has
 * @param all the events the filter keeps, all groups together
 * @param groups each group with events, when grouped
 */
public record MeterSummary(String tenant, String meter, Aggregation aggregation, BillingPeriod period,
		Granularity granularity, List<String> groupBy, Map<String, String> filter, Group all, List<Group> groups) {

	public MeterSummary {
		groupBy = List.copyOf(groupBy);
		filter = Collections.unmodifiableMap(new LinkedHashMap<>(filter));
		groups = List.copyOf(groups);
	}

	/**
	 * One group's values.
	 *
	 * @param values the group's dimension values (empty for all groups together)
	 * @param buckets every bucket of the range in order, empty ones included; the first and last
	 * cut to the range
	 * @param total the value over the range: for sum and count the buckets' sum; for max, min and
	 * latest of the range's events; for unique-count the distinct values of the whole range
	 */
	public record Group(Map<String, String> values, List<Bucket> buckets, @Nullable BigDecimal total) {

		public Group {
			values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
			buckets = List.copyOf(buckets);
		}

	}

	/**
	 * One bucket.
	 *
	 * @param start the inclusive start
	 * @param end the exclusive end
	 * @param value the value; zero for sum, count and unique-count without events, {@code null}
	 * for max, min and latest without events
	 */
	public record Bucket(Instant start, Instant end, @Nullable BigDecimal value) {
	}

}
