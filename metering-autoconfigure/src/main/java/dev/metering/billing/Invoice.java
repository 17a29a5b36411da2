package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A finalized invoice: a closed period's report as it was stored when the period closed. Its
 * documents ({@link InvoiceStore#document}) are the stored text, never recomputed.
 *
 * @param number the invoice number, unique and never reused (issuer, dash, sequence)
 * @param billingScope the paying tenant
 * @param period the billed period
 * @param plan the plan the report priced with
 * @param currency ISO 4217 code
 * @param subtotal the report's subtotal
 * @param finalizedAt when it was stored
 */
public record Invoice(String number, String billingScope, BillingPeriod period, String plan, String currency,
		BigDecimal subtotal, Instant finalizedAt) {

	/** The stored forms of an invoice. */
	public enum Format {

		/** The report's JSON with the invoice number and finalization time. */
		JSON,

		/** The report's CSV ({@link BillingReportCsv}). */
		CSV

	}

}
