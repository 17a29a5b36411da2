package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.billing.MeterSummary;
import dev.metering.billing.UsageSummary;
import dev.metering.meter.Aggregation;
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
 * @param aggregation how the values are computed: {@code sum} for a meter without a definition
 * @param groupBy the dimensions of {@code groups}, empty when not grouped
 * @param filter the dimension values every counted event has
 * @param total the usage of the period (null: a max, min or latest without events)
 * @param usage the buckets
 * @param groups each group's total and buckets, when grouped
 * @param quotas each quota's current window
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record SummaryBody(String tenantId, String metric, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant from,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant to, String granularity, String aggregation,
		List<String> groupBy, Map<String, String> filter, @Nullable BigDecimal total, List<Bucket> usage,
		List<Group> groups, List<PolicyBody> quotas) {

	static SummaryBody of(UsageSummary summary, @Nullable QuotaDecision quotas) {
		return new SummaryBody(summary.tenant(), summary.meter(), summary.period().from(), summary.period().to(),
				summary.granularity().id(), Aggregation.SUM.configName(), List.of(), Map.of(),
				Quantities.plain(summary.total()),
				summary.buckets()
					.stream()
					.map((bucket) -> new Bucket(bucket.start(), bucket.end(), Quantities.plain(bucket.quantity())))
					.toList(),
				List.of(), (quotas != null) ? PolicyBody.of(quotas) : List.of());
	}

	static SummaryBody of(MeterSummary summary, @Nullable QuotaDecision quotas) {
		return new SummaryBody(summary.tenant(), summary.meter(), summary.period().from(), summary.period().to(),
				summary.granularity().id(), summary.aggregation().configName(), summary.groupBy(), summary.filter(),
				plain(summary.all().total()), buckets(summary.all()),
				summary.groups().stream().map((g) -> new Group(g.values(), plain(g.total()), buckets(g))).toList(),
				(quotas != null) ? PolicyBody.of(quotas) : List.of());
	}

	private static List<Bucket> buckets(MeterSummary.Group group) {
		return group.buckets()
			.stream()
			.map((bucket) -> new Bucket(bucket.start(), bucket.end(), plain(bucket.value())))
			.toList();
	}

	private static @Nullable BigDecimal plain(@Nullable BigDecimal value) {
		return (value != null) ? Quantities.plain(value) : null;
	}

	/**
	 * One group.
	 *
	 * @param group the group's dimension values
	 * @param total its value over the period
	 * @param usage its buckets
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Group(Map<String, String> group, @Nullable BigDecimal total, List<Bucket> usage) {
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
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant end, @Nullable BigDecimal quantity) {
	}

}
