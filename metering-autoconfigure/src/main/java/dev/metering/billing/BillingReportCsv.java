package dev.metering.billing;

import java.math.BigDecimal;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link BillingReport} as CSV (RFC 4180): one row per line (a meter, or a meter's
 * filtered usage: {@code filter} holds {@code model=gpt-4o}), one per line whose usage grants of
 * units covered (model {@code unit_credit}, the units in {@code quantity}, no amount), one per
 * adjustment line (model {@code adjustment}, {@code filter} {@code adjusts=<from>/<to>} naming the
 * corrected period), then the base fee and the subtotal; with money credits, one row per grant
 * and line paid (model {@code money_credit}, {@code filter} {@code grant=<id>} after the line's
 * own) and the {@code amount_due}. A report without credits has only the first kinds of rows.
 * Amounts keep the currency's scale; quantities are written plain. A text cell a spreadsheet
 * would run as a formula is written as text.
 */
public final class BillingReportCsv {

	private static final String HEADER = "billing_scope,plan,period_start,period_end,meter,filter,quantity,included,"
			+ "billable,model,unit_price,package_size,amount,currency\r\n";

	private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

	private BillingReportCsv() {
	}

	/**
	 * The report as CSV.
	 * @param report the report
	 * @return CSV text with a header row and CRLF line ends
	 */
	public static String write(BillingReport report) {
		StringBuilder csv = new StringBuilder(HEADER);
		for (BillingReport.Line line : report.lines()) {
			MeterPrice price = line.price();
			MeterPrice.Charge charge = line.charge();
			row(csv, report, line.part(), line.meter(), filter(price), plain(charge.quantity()), plain(charge.included()), plain(charge.billable()),
					price.model().name().toLowerCase(java.util.Locale.ROOT),
					(price.unitPrice() != null) ? price.unitPrice().toPlainString() : "",
					plain(price.packageSize()), charge.amount().toPlainString());
		}
		for (BillingReport.Line line : report.lines()) {
			// The units grants covered: already off the line's billable quantity, shown apart.
			if (line.creditsApplied().signum() > 0) {
				row(csv, report, line.part(), line.meter(), filter(line.price()), plain(line.creditsApplied()), "", "",
						"unit_credit", "", "", "");
			}
		}
		for (BillingReport.Adjustment adjustment : report.adjustments()) {
			// An adjustment names the closed period it corrects where a line has its filter.
			row(csv, report, null, adjustment.meter(),
					"adjusts=" + adjustment.adjusted().from() + "/" + adjustment.adjusted().to(),
					plain(adjustment.quantity()), "", "", "adjustment", "", "", adjustment.amount().toPlainString());
		}
		for (BillingReport.Part part : report.parts()) {
			row(csv, report, part, "base_fee", "", "", "", "", "", "", "", part.baseFee().toPlainString());
		}
		if (report.parts().isEmpty()) {
			row(csv, report, null, "base_fee", "", "", "", "", "", "", "", report.baseFee().toPlainString());
		}
		row(csv, report, null, "subtotal", "", "", "", "", "", "", "", report.subtotal().toPlainString());
		if (!report.moneyCredits().isEmpty()) {
			for (BillingReport.MoneyCredit credit : report.moneyCredits()) {
				BillingReport.Line line = report.lines().get(credit.line());
				String filter = filter(line.price());
				row(csv, report, line.part(), credit.meter(), filter + (filter.isEmpty() ? "" : ";") + "grant=" + credit.grantId(),
						"", "", "", "money_credit", "", "", credit.amount().toPlainString());
			}
			row(csv, report, null, "amount_due", "", "", "", "", "", "", "", report.amountDue().toPlainString());
		}
		return csv.toString();
	}

	/** A price's filter as {@code dimension=value} pairs joined by {@code ;}, empty without one. */
	private static String filter(MeterPrice price) {
		StringBuilder text = new StringBuilder();
		price.filter().forEach((dimension, value) -> text.append((text.length() > 0) ? ";" : "").append(dimension)
			.append('=').append(value));
		return text.toString();
	}

	/** A row; one of a part of the period (its plan changed) names that part's plan and dates. */
	private static void row(StringBuilder csv, BillingReport report, BillingReport.@Nullable Part part,
			String... fields) {
		field(csv, report.billingScope()).append(',');
		field(csv, (part != null) ? part.plan() : report.plan()).append(',');
		BillingPeriod period = (part != null) ? part.period() : report.period();
		csv.append(period.from()).append(',').append(period.to()).append(',');
		for (String field : fields) {
			field(csv, field).append(',');
		}
		csv.append(report.currency().getCurrencyCode()).append("\r\n");
	}

	private static StringBuilder field(StringBuilder csv, String value) {
		if (isFormula(value)) {
			// OWASP's CSV injection advice: a leading apostrophe makes a spreadsheet read text.
			return csv.append("\"'").append(value.replace("\"", "\"\"")).append('"');
		}
		if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
			return csv.append(value);
		}
		return csv.append('"').append(value.replace("\"", "\"\"")).append('"');
	}

	/**
	 * Whether a spreadsheet would take the cell for a formula: it starts with {@code =},
	 * {@code +}, {@code -}, {@code @}, a tab or a carriage return, and is not a number the report
	 * wrote (an amount may be negative).
	 */
	private static boolean isFormula(String value) {
		if (value.isEmpty() || "=+-@\t\r".indexOf(value.charAt(0)) < 0) {
			return false;
		}
		return !NUMBER.matcher(value).matches();
	}

	/**
	 * A quantity without trailing zeros or exponent.
	 * @param value the value, or {@code null}
	 * @return its plain text, empty for {@code null}
	 */
	public static String plain(@Nullable BigDecimal value) {
		if (value == null) {
			return "";
		}
		return (value.signum() == 0) ? "0" : value.stripTrailingZeros().toPlainString();
	}

}
