package dev.metering.api;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.MeterPrice;
import dev.metering.billing.PriceTier;
import dev.metering.billing.TopUser;
import dev.metering.billing.UsageSummary;
import dev.metering.quota.Enforcement;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;
import org.jspecify.annotations.Nullable;

/**
 * The API's response bodies, with the product's snake_case field names. Quantities are JSON
 * numbers without trailing zeros; money amounts are strings with the currency's scale, so no
 * client parses them into a binary float.
 */
final class ApiJson {

	private ApiJson() {
	}

	static Map<String, Object> summary(UsageSummary summary, @Nullable QuotaDecision quotas) {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("tenant_id", summary.tenant());
		json.put("metric", summary.meter());
		json.put("from", summary.period().from().toString());
		json.put("to", summary.period().to().toString());
		json.put("granularity", summary.granularity().id());
		json.put("total", quantity(summary.total()));
		List<Map<String, Object>> usage = new ArrayList<>();
		for (UsageSummary.Bucket bucket : summary.buckets()) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("start", bucket.start().toString());
			row.put("end", bucket.end().toString());
			row.put("quantity", quantity(bucket.quantity()));
			usage.add(row);
		}
		json.put("usage", usage);
		json.put("quotas", (quotas != null) ? policies(quotas) : List.of());
		return json;
	}

	static Map<String, Object> quota(String tenant, String metric, @Nullable QuotaDecision decision) {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("tenant_id", tenant);
		json.put("metric", metric);
		json.put("allowed", decision == null || decision.allowed());
		json.put("usage_known", decision == null || decision.usageKnown());
		json.put("policies", (decision != null) ? policies(decision) : List.of());
		return json;
	}

	private static List<Map<String, Object>> policies(QuotaDecision decision) {
		List<Map<String, Object>> policies = new ArrayList<>();
		for (PolicyUsage usage : decision.policies()) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("name", usage.policy().name());
			row.put("scope", usage.scope());
			row.put("limit", quantity(usage.limit()));
			row.put("used", quantity(usage.used()));
			row.put("remaining", quantity(usage.remaining()));
			row.put("window", usage.policy().window().id());
			row.put("window_start", usage.windowStart().toString());
			row.put("reset", usage.reset().toString());
			row.put("enforcement", usage.policy().enforcement().id());
			// A hard quota with nothing left refuses the next unit; soft and monitor let it pass.
			row.put("next_unit_allowed", usage.policy().enforcement() != Enforcement.HARD
					|| usage.remaining().compareTo(BigDecimal.ONE) >= 0);
			policies.add(row);
		}
		return policies;
	}

	static Map<String, Object> report(BillingReport report) {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("tenant_id", report.billingScope());
		json.put("billing_scope_id", report.billingScope());
		json.put("plan", report.plan());
		json.put("currency", report.currency().getCurrencyCode());
		json.put("period_start", report.period().from().toString());
		json.put("period_end", report.period().to().toString());
		List<Map<String, Object>> lines = new ArrayList<>();
		for (BillingReport.Line line : report.lines()) {
			MeterPrice price = line.price();
			MeterPrice.Charge charge = line.charge();
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("metric", line.meter());
			row.put("quantity", quantity(charge.quantity()));
			row.put("included", quantity(price.included()));
			row.put("billable", quantity(charge.billable()));
			row.put("overage", charge.billable().signum() > 0);
			row.put("model", price.model().name().toLowerCase(Locale.ROOT));
			if (price.unitPrice() != null) {
				row.put("unit_price", price.unitPrice().toPlainString());
			}
			if (price.packageSize() != null) {
				row.put("package_size", quantity(price.packageSize()));
			}
			if (!price.tiers().isEmpty()) {
				row.put("tiers", tiers(price.tiers()));
			}
			row.put("amount", charge.amount().toPlainString());
			lines.add(row);
		}
		json.put("lines", lines);
		json.put("base_fee", report.baseFee().toPlainString());
		json.put("subtotal", report.subtotal().toPlainString());
		json.put("tenants", report.tenants());
		json.put("closed", report.closed());
		json.put("closes_at", report.closesAt().toString());
		return json;
	}

	private static List<Map<String, Object>> tiers(List<PriceTier> tiers) {
		List<Map<String, Object>> rows = new ArrayList<>();
		for (PriceTier tier : tiers) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("up_to", (tier.upTo() != null) ? quantity(tier.upTo()) : null);
			row.put("unit_price", tier.unitPrice().toPlainString());
			row.put("flat_fee", tier.flatFee().toPlainString());
			rows.add(row);
		}
		return rows;
	}

	static Map<String, Object> topUsers(String tenant, String metric, BillingPeriod period,
			List<TopUser> users) {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("tenant_id", tenant);
		json.put("metric", metric);
		json.put("from", period.from().toString());
		json.put("to", period.to().toString());
		List<Map<String, Object>> rows = new ArrayList<>();
		for (TopUser user : users) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("user_id", user.userId());
			row.put("quantity", quantity(user.quantity()));
			row.put("events", user.events());
			rows.add(row);
		}
		json.put("users", rows);
		return json;
	}

	/** A quantity as a JSON number without trailing zeros or exponent. */
	static BigDecimal quantity(BigDecimal value) {
		return (value.signum() == 0) ? BigDecimal.ZERO : new BigDecimal(value.stripTrailingZeros().toPlainString());
	}

}
