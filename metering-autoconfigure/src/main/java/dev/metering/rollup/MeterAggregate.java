package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What one hourly group of a defined meter holds: enough for every aggregation, and each part
 * composes over hours (sums add, minimums and maximums compare, the latest wins), so a day or a
 * month is exact from its hours.
 */
final class MeterAggregate {

	BigDecimal sum;

	long count;

	BigDecimal min;

	BigDecimal max;

	BigDecimal latest;

	Instant latestAt;

	/** Canonical lower-case text: its order is the unsigned order of the 128 bits, as the databases order UUIDs. */
	String latestEventId;

	MeterAggregate(BigDecimal sum, long count, BigDecimal min, BigDecimal max, BigDecimal latest, Instant latestAt,
			String latestEventId) {
		this.sum = sum;
		this.count = count;
		this.min = min;
		this.max = max;
		this.latest = latest;
		this.latestAt = latestAt;
		this.latestEventId = latestEventId;
	}

	static MeterAggregate of(BigDecimal value, Instant at, String eventId) {
		return new MeterAggregate(value, 1, value, value, value, at, eventId);
	}

	void add(BigDecimal value, Instant at, String eventId) {
		merge(of(value, at, eventId));
	}

	void merge(MeterAggregate other) {
		this.sum = this.sum.add(other.sum);
		this.count += other.count;
		this.min = (other.min.compareTo(this.min) < 0) ? other.min : this.min;
		this.max = (other.max.compareTo(this.max) > 0) ? other.max : this.max;
		if (isLater(other.latestAt, other.latestEventId, this.latestAt, this.latestEventId)) {
			this.latest = other.latest;
			this.latestAt = other.latestAt;
			this.latestEventId = other.latestEventId;
		}
	}

	/** The value under an aggregation other than unique-count (which hours do not compose). */
	BigDecimal value(dev.metering.meter.Aggregation aggregation) {
		return switch (aggregation) {
			case SUM -> this.sum;
			case COUNT -> BigDecimal.valueOf(this.count);
			case MIN -> this.min;
			case MAX -> this.max;
			case LATEST -> this.latest;
			case UNIQUE_COUNT -> throw new IllegalArgumentException("A unique count is not composed from hours");
		};
	}

	MeterAggregate copy() {
		return new MeterAggregate(this.sum, this.count, this.min, this.max, this.latest, this.latestAt,
				this.latestEventId);
	}

	/** The later occurred_at wins; at the same instant, the larger event id. */
	static boolean isLater(Instant at, String eventId, Instant thanAt, String thanEventId) {
		int byTime = at.compareTo(thanAt);
		return byTime > 0 || (byTime == 0 && eventId.compareTo(thanEventId) > 0);
	}

}
