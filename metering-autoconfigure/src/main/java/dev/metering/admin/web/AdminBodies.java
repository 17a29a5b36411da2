package dev.metering.admin.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.admin.AuditEntry;
import dev.metering.notification.Threshold;
import dev.metering.notification.ThresholdSource;
import dev.metering.notification.WebhookDelivery;
import dev.metering.admin.EffectiveQuotas;
import dev.metering.admin.MeterChange;
import dev.metering.admin.QuotaRow;
import dev.metering.meter.MeterDefinition;
import org.jspecify.annotations.Nullable;

/**
 * The admin API's bodies: records in snake_case, nulls written, limits as plain numbers.
 */
final class AdminBodies {

	private AdminBodies() {
	}

	/**
	 * {@code PUT /plans/{plan}/features/{feature}} and {@code PUT /tenants/{tenant}/features/{feature}}.
	 *
	 * @param value the feature's value
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record FeatureRequest(@Nullable String value) {
	}

	/**
	 * A feature value set at runtime.
	 * @param scope {@code plan} or {@code tenant}
	 * @param id the plan or tenant
	 * @param feature the feature
	 * @param value its value
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record Feature(String scope, String id, String feature, String value) {
	}

	/**
	 * {@code POST /plans}.
	 *
	 * @param name the plan's name
	 * @param description what it is for, or {@code null}
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record PlanRequest(@Nullable String name, @Nullable String description) {
	}

	/**
	 * A meter definition, with the property names of {@code metering.meters[i]}: the body of a
	 * put and what the API answers.
	 *
	 * @param name the meter
	 * @param aggregation how its events add up
	 * @param eventType the event type it reads
	 * @param value the JSON Pointer of its value
	 * @param groupBy dimension name to JSON Pointer
	 * @param unit its unit
	 * @param description what it measures
	 * @param maxGroups how many groups one tenant's meter keeps
	 */
	@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
	record Meter(@Nullable String name, @Nullable String aggregation, @Nullable String eventType,
			@Nullable String value, @Nullable Map<String, String> groupBy, @Nullable String unit,
			@Nullable String description, @Nullable Integer maxGroups) {

		MeterChange change() {
			return new MeterChange(this.name, this.aggregation, this.eventType, this.value, this.groupBy, this.unit,
					this.description, this.maxGroups);
		}

		static Meter of(MeterDefinition definition) {
			Map<String, String> groupBy = new java.util.LinkedHashMap<>();
			definition.groupBy().forEach((dimension, pointer) -> groupBy.put(dimension, pointer.text()));
			return new Meter(definition.name(), definition.aggregation().configName(), definition.eventType(),
					(definition.value() != null) ? definition.value().text() : null, groupBy, definition.unit(),
					definition.description(), definition.maxGroups());
		}

	}

	/**
	 * {@code POST /invoices/close}: what a close finalized.
	 *
	 * @param finalized how many invoices
	 * @param invoiceNumbers their numbers, in order
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record InvoicesClosed(int finalized, List<String> invoiceNumbers) {
	}

	/**
	 * A created plan.
	 *
	 * @param name its name
	 */
	record PlanCreated(String name) {
	}

	/**
	 * The quotas in force for a tenant, each with where it came from.
	 *
	 * @param tenantId the tenant
	 * @param plan its plan, or {@code null}
	 * @param planOrigin where the plan came from
	 * @param exempt whether it is never limited
	 * @param exemptOrigin where that came from
	 * @param quotas the policies in force
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Explained(String tenantId, @Nullable String plan, String planOrigin, boolean exempt, String exemptOrigin,
			List<ExplainedQuota> quotas) {

		static Explained of(EffectiveQuotas quotas, @Nullable ThresholdSource thresholds) {
			return new Explained(quotas.tenantId(), quotas.plan(), origin(quotas.planOrigin()), quotas.exempt(),
					origin(quotas.exemptOrigin()), quotas.quotas()
						.stream()
						.map((quota) -> new ExplainedQuota(quota.policy().name(), quota.policy().meter(),
								quota.policy().window().id(), plain(quota.policy().limit()),
								quota.policy().enforcement().id(), quota.policy().softThreshold(), quota.level(),
								origin(quota.origin()), quota.policy().filter(),
								(thresholds != null) ? thresholds.thresholdsOf(quotas.tenantId(), quota.policy())
									.stream()
									.map(Threshold::toString)
									.toList() : List.of()))
						.toList());
		}

	}

	/**
	 * One policy in force.
	 *
	 * @param name the policy
	 * @param meter its meter
	 * @param window hour, day or month
	 * @param limit the most usage per window
	 * @param enforcement hard, soft or monitor
	 * @param softThreshold the warning's fraction of the limit, or {@code null}
	 * @param level {@code plan} or {@code tenant}
	 * @param origin where it came from
	 * @param filter the dimension values it is limited to, empty for every event
	 * @param thresholds the notification thresholds in force for it, empty for none
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record ExplainedQuota(String name, String meter, String window, BigDecimal limit, String enforcement,
			@Nullable Double softThreshold, String level, String origin, Map<String, String> filter,
			List<String> thresholds) {
	}

	/**
	 * A quota of a plan.
	 *
	 * @param meter its meter
	 * @param window hour, day or month
	 * @param limit the most usage per window
	 * @param enforcement hard, soft or monitor
	 * @param softThreshold the warning's fraction of the limit, or {@code null}
	 * @param filter the dimension values it is limited to, empty for every event
	 * @param thresholds its notification thresholds, empty for none
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Quota(String meter, String window, BigDecimal limit, String enforcement, @Nullable Double softThreshold,
			Map<String, String> filter, List<String> thresholds) {

		static List<Quota> of(List<QuotaRow> rows) {
			return rows.stream()
				.map((row) -> new Quota(row.meter(), row.window().id(), plain(row.limit()), row.enforcement().id(),
						row.softThreshold(), row.filter(), row.thresholds()))
				.toList();
		}

	}

	/**
	 * One entry of the audit trail.
	 *
	 * @param id its id, increasing
	 * @param changedAt when
	 * @param actor who
	 * @param action what
	 * @param target which definition
	 * @param oldValue the value before, or {@code null}
	 * @param newValue the value after, or {@code null}
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Audit(long id, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant changedAt, String actor,
			String action, String target, @Nullable String oldValue, @Nullable String newValue) {

		static List<Audit> of(List<AuditEntry> entries) {
			return entries.stream()
				.map((entry) -> new Audit(entry.id(), entry.changedAt(), entry.actor(), entry.action(), entry.target(),
						entry.oldValue(), entry.newValue()))
				.toList();
		}

	}

	/**
	 * One webhook delivery of {@code GET /webhooks/deliveries}.
	 * @param messageId the notification's id ({@code webhook-id})
	 * @param url the endpoint
	 * @param type the notification's type
	 * @param state pending, delivered or failed
	 * @param attempts the posts made
	 * @param createdAt when the notification was emitted
	 * @param doneAt when it was delivered or given up
	 * @param lastStatus the last HTTP status
	 * @param lastError why the last attempt failed
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Delivery(String messageId, String url, String type, String state, int attempts,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant createdAt,
			@JsonFormat(shape = JsonFormat.Shape.STRING) @Nullable Instant doneAt, @Nullable Integer lastStatus,
			@Nullable String lastError) {

		static List<Delivery> of(List<WebhookDelivery> deliveries) {
			return deliveries.stream()
				.map((d) -> new Delivery(d.messageId(), d.url(), d.type(), d.state(), d.attempts(), d.createdAt(),
						d.doneAt(), d.lastStatus(), d.lastError()))
				.toList();
		}

	}

	private static String origin(Enum<?> origin) {
		return origin.name().toLowerCase(Locale.ROOT);
	}

	/** 1000, never 1E+3: a limit is stored without trailing zeros. */
	private static BigDecimal plain(BigDecimal value) {
		BigDecimal stripped = value.stripTrailingZeros();
		return (stripped.scale() < 0) ? stripped.setScale(0) : stripped;
	}

}
