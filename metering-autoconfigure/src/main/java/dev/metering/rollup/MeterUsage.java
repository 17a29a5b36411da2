package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.metering.meter.Aggregation;
import org.jspecify.annotations.Nullable;

/**
 * A defined meter's usage over a window, by group and bucket, as {@link MeterUsageReader} reads
 * it (rollups plus the ledger rows not folded yet, so it equals the ledger).
 *
 * @param aggregation the meter's aggregation, which every value is
 * @param groupBy the dimensions the groups are made of, in order (empty: one group, all events)
 * @param groups each group with events, by its values (dimension to value, in {@code groupBy}
 * order), in first-seen order
 */
public record MeterUsage(Aggregation aggregation, List<String> groupBy, Map<Map<String, String>, Series> groups) {

	public MeterUsage {
		groupBy = List.copyOf(groupBy);
		groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
	}

	/**
	 * One group's values.
	 *
	 * @param buckets the value of each bucket with events, by the bucket's start
	 * @param total the value over the whole window (for unique-count, max, min and latest not
	 * composed from the buckets' values: a seat counted in two days is one seat of the month)
	 */
	public record Series(Map<Instant, BigDecimal> buckets, BigDecimal total) {

		public Series {
			buckets = Collections.unmodifiableSortedMap(new TreeMap<>(buckets));
		}

	}

	/**
	 * The value over the whole window of every event: the one group's total when nothing is
	 * grouped.
	 * @return the total, or {@code null} when no event matched
	 */
	public @Nullable BigDecimal total() {
		Series only = this.groups.get(Map.of());
		return (only != null) ? only.total() : null;
	}

}
