package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.billing.UsageSummary;
import dev.metering.quota.QuotaDecision;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /usage/{tenant}/{metric}}: usage per bucket, and the quotas' current windows.
 *
 * @param tenantId the tenant
 * @param metric the metric
 * @param from the period's start
 * @param to the period's end
 * @param granularity hour, day or month
 * @param total the usage of the period
 * @param usage the buckets
 * @param quotas each quota's current window
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record SummaryBody(String tenantId, String metric, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant from,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant to, String granularity, BigDecimal total,
		List<Bucket> usage, List<PolicyBody> quotas) {

	static SummaryBody of(UsageSummary summary, @Nullable QuotaDecision quotas) {
		return new SummaryBody(summary.tenant(), summary.meter(), summary.period().from(), summary.period().to(),
				summary.granularity().id(), Quantities.plain(summary.total()),
				summary.buckets()
					.stream()
					.map((bucket) -> new Bucket(bucket.start(), bucket.end(), Quantities.plain(bucket.quantity())))
					.toList(),
				(quotas != null) ? PolicyBody.of(quotas) : List.of());
	}

	/**
	 * One bucket.
	 *
	 * @param start its start
	 * @param end its end
	 * @param quantity the usage in it
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Bucket(@JsonFormat(shape = JsonFormat.Shape.STRING) Instant start,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant end, BigDecimal quantity) {
	}

}
