package dev.metering.billing;

import java.time.Instant;

/**
 * The invoice's stored JSON of a report, for tests outside this package: the usage API's tests
 * hold it against the report body it answers.
 */
public final class InvoiceDocuments {

	private InvoiceDocuments() {
	}

	/**
	 * The JSON an invoice of the report stores.
	 * @param report the report
	 * @param number the invoice number
	 * @param finalizedAt when it was finalized
	 * @return the stored text
	 */
	public static String json(BillingReport report, String number, Instant finalizedAt) {
		return InvoiceJson.write(report, number, finalizedAt);
	}

}
