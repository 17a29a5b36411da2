package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Currency;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A billing CSV opened in a spreadsheet never runs a formula: a text cell that starts with
 * {@code =}, {@code +}, {@code -}, {@code @}, a tab or a carriage return (a tenant id or a plan
 * name chosen by someone else) is written as text (OWASP's CSV injection advice), while the
 * numbers, negative ones included, stay numbers.
 */
class BillingReportCsvTests {

	private static final BillingPeriod PERIOD = BillingPeriod.parseMonth("2026-11");

	@Test
	void cellsThatASpreadsheetWouldRunAreWrittenAsText() {
		for (String payload : List.of("=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
				"\t=1+1", "\r=1+1")) {
			String csv = BillingReportCsv.write(report(payload, payload, BigDecimal.ONE));
			String row = csv.split("\r\n", 3)[1];
			// Quoted and led by an apostrophe: the cell is text, whatever follows.
			String quoted = "\"'" + payload.replace("\"", "\"\"") + "\"";
			assertThat(row).as(payload).startsWith(quoted + "," + quoted + ",");
			for (String cell : row.split(",")) {
				assertThat(cell).as(payload).doesNotStartWith("=").doesNotStartWith("+").doesNotStartWith("@");
			}
		}
	}

	@Test
	void ordinaryCellsAndNegativeAmountsAreWrittenAsTheyAre() {
		String csv = BillingReportCsv.write(report("acme", "pro", new BigDecimal("-5.00")));
		String[] rows = csv.split("\r\n");
		assertThat(rows[1]).startsWith("acme,pro,").contains(",api.calls,").endsWith(",0.10,EUR");
		assertThat(rows[2]).startsWith("acme,pro,").contains(",base_fee,").endsWith(",-5.00,EUR");
	}

	private static BillingReport report(String scope, String plan, BigDecimal baseFee) {
		MeterPrice price = MeterPrice.perUnit("api.calls", BigDecimal.ZERO, new BigDecimal("0.01"));
		MeterPrice.Charge charge = price.charge(new BigDecimal("10"), 2, RoundingMode.HALF_UP);
		return new BillingReport(scope, plan, Currency.getInstance("EUR"), PERIOD,
				List.of(new BillingReport.Line(price, charge)), baseFee, charge.amount().add(baseFee), List.of(scope),
				false, Instant.parse("2026-12-05T00:00:00Z"));
	}

}
