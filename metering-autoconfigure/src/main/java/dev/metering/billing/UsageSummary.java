package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * A tenant's usage of one meter over a range, in buckets.
 *
 * @param tenant the tenant
 * @param meter the meter
 * @param period the range
 * @param granularity the bucket size
 * @param buckets every bucket of the range in order, empty ones included; the first and last
 * are cut to the range
 * @param total the range's usage: the sum of the buckets
 */
public record UsageSummary(String tenant, String meter, BillingPeriod period, Granularity granularity,
		List<Bucket> buckets, BigDecimal total) {

	public UsageSummary {
		buckets = List.copyOf(buckets);
	}

	/**
	 * The usage of one bucket.
	 *
	 * @param start the inclusive start
	 * @param end the exclusive end
	 * @param quantity the usage
	 */
	public record Bucket(Instant start, Instant end, BigDecimal quantity) {
	}

}
