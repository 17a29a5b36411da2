package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.metering.internal.json.DimensionsJson;
import org.jspecify.annotations.Nullable;

/**
 * Writes a finalized invoice's JSON: the fields of the usage API's billing report (snake_case,
 * money as strings with the currency's scale, quantities as plain numbers) with the invoice
 * number and finalization time first. Written by hand so that the stored text is fixed by the
 * kit's code alone, not by a JSON library's settings ({@code InvoiceJsonMatchesReportBodyTests}
 * holds it to the report body's fields).
 */
final class InvoiceJson {

	private InvoiceJson() {
	}

	static String write(BillingReport report, String number, Instant finalizedAt) {
		StringBuilder json = new StringBuilder(512).append('{');
		string(json, "invoice_number", number).append(',');
		string(json, "tenant_id", report.billingScope()).append(',');
		string(json, "billing_scope_id", report.billingScope()).append(',');
		string(json, "plan", report.plan()).append(',');
		string(json, "currency", report.currency().getCurrencyCode()).append(',');
		string(json, "period_start", report.period().from().toString()).append(',');
		string(json, "period_end", report.period().to().toString()).append(',');
		string(json, "finalized_at", finalizedAt.toString()).append(',');
		key(json, "lines").append('[');
		for (int i = 0; i < report.lines().size(); i++) {
			line(json.append((i > 0) ? "," : ""), report.lines().get(i), report.moneyCreditsApplied(i));
		}
		json.append("],");
		string(json, "base_fee", report.baseFee().toPlainString()).append(',');
		string(json, "subtotal", report.subtotal().toPlainString()).append(',');
		key(json, "tenants").append('[');
		List<String> tenants = report.tenants();
		for (int i = 0; i < tenants.size(); i++) {
			quoted(json.append((i > 0) ? "," : ""), tenants.get(i));
		}
		json.append(']');
		if (!report.parts().isEmpty()) {
			key(json.append(','), "parts").append('[');
			for (int i = 0; i < report.parts().size(); i++) {
				BillingReport.Part part = report.parts().get(i);
				json.append((i > 0) ? ",{" : "{");
				string(json, "plan", part.plan()).append(',');
				string(json, "part_start", part.period().from().toString()).append(',');
				string(json, "part_end", part.period().to().toString()).append(',');
				string(json, "base_fee", part.baseFee().toPlainString()).append('}');
			}
			json.append(']');
		}
		key(json.append(','), "adjustments").append('[');
		for (int i = 0; i < report.adjustments().size(); i++) {
			BillingReport.Adjustment adjustment = report.adjustments().get(i);
			json.append((i > 0) ? ",{" : "{");
			string(json, "metric", adjustment.meter()).append(',');
			string(json, "adjusted_period_start", adjustment.adjusted().from().toString()).append(',');
			string(json, "adjusted_period_end", adjustment.adjusted().to().toString()).append(',');
			number(json, "quantity", adjustment.quantity()).append(',');
			string(json, "amount", adjustment.amount().toPlainString()).append('}');
		}
		json.append(']');
		if (!report.moneyCredits().isEmpty()) {
			key(json.append(','), "money_credits").append('[');
			for (int i = 0; i < report.moneyCredits().size(); i++) {
				BillingReport.MoneyCredit credit = report.moneyCredits().get(i);
				json.append((i > 0) ? ",{" : "{");
				string(json, "grant_id", credit.grantId()).append(',');
				string(json, "metric", credit.meter()).append(',');
				string(json, "amount", credit.amount().toPlainString()).append('}');
			}
			json.append("],");
			string(json, "money_credits_applied", report.moneyCreditsApplied().toPlainString()).append(',');
			string(json, "amount_due", report.amountDue().toPlainString());
		}
		return json.append('}').toString();
	}

	private static void line(StringBuilder json, BillingReport.Line line, BigDecimal moneyCredits) {
		MeterPrice price = line.price();
		MeterPrice.Charge charge = line.charge();
		json.append('{');
		string(json, "metric", line.meter()).append(',');
		if (!price.filter().isEmpty()) {
			key(json, "filter").append('{');
			int i = 0;
			for (Map.Entry<String, String> entry : price.filter().entrySet()) {
				string(json.append((i++ > 0) ? "," : ""), entry.getKey(), entry.getValue());
			}
			json.append("},");
		}
		number(json, "quantity", charge.quantity()).append(',');
		number(json, "credits_applied", line.creditsApplied()).append(',');
		number(json, "included", price.included()).append(',');
		number(json, "billable", charge.billable()).append(',');
		key(json, "overage").append(charge.billable().signum() > 0).append(',');
		string(json, "model", price.model().name().toLowerCase(Locale.ROOT)).append(',');
		if (price.unitPrice() != null) {
			string(json, "unit_price", price.unitPrice().toPlainString()).append(',');
		}
		if (price.packageSize() != null) {
			number(json, "package_size", price.packageSize()).append(',');
		}
		if (!price.tiers().isEmpty()) {
			key(json, "tiers").append('[');
			for (int i = 0; i < price.tiers().size(); i++) {
				PriceTier tier = price.tiers().get(i);
				json.append((i > 0) ? ",{" : "{");
				if (tier.upTo() != null) {
					number(json, "up_to", tier.upTo());
				}
				else {
					key(json, "up_to").append("null");
				}
				json.append(',');
				string(json, "unit_price", tier.unitPrice().toPlainString()).append(',');
				string(json, "flat_fee", tier.flatFee().toPlainString()).append('}');
			}
			json.append("],");
		}
		string(json, "amount", charge.amount().toPlainString());
		BillingReport.Part part = line.part();
		if (part != null) {
			// A line of a part of a period whose plan changed names the part, as the report does.
			string(json.append(','), "plan", part.plan()).append(',');
			string(json, "part_start", part.period().from().toString()).append(',');
			string(json, "part_end", part.period().to().toString());
		}
		if (moneyCredits.signum() > 0) {
			string(json.append(','), "money_credits_applied", moneyCredits.toPlainString());
		}
		json.append('}');
	}

	private static StringBuilder key(StringBuilder json, String key) {
		return quoted(json, key).append(':');
	}

	private static StringBuilder string(StringBuilder json, String key, String value) {
		return quoted(key(json, key), value);
	}

	private static StringBuilder number(StringBuilder json, String key, @Nullable BigDecimal value) {
		return key(json, key).append((value != null) ? BillingReportCsv.plain(value) : "null");
	}

	/** A JSON string (RFC 8259): quote, backslash and control characters escaped (the dimensions' escaping). */
	private static StringBuilder quoted(StringBuilder json, String value) {
		DimensionsJson.appendString(json, value);
		return json;
	}

}
