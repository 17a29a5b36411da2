package dev.metering.api;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.billing.Invoice;

/**
 * {@code GET /invoices/{tenant}}: a billing scope's finalized invoices, oldest period first.
 *
 * @param tenantId the billing scope
 * @param invoices its invoices
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record InvoicesBody(String tenantId, List<Entry> invoices) {

	static InvoicesBody of(String tenant, List<Invoice> invoices) {
		return new InvoicesBody(tenant, invoices.stream().map(Entry::of).toList());
	}

	/**
	 * One invoice; its lines are in the invoice itself ({@code GET /invoices/{tenant}/{number}}).
	 *
	 * @param invoiceNumber the number
	 * @param periodStart the period's start
	 * @param periodEnd the period's end
	 * @param plan the plan it was priced with
	 * @param currency ISO 4217 code
	 * @param subtotal what it bills, a string with the currency's scale
	 * @param finalizedAt when it was stored
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Entry(String invoiceNumber, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant periodStart,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant periodEnd, String plan, String currency,
			String subtotal, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant finalizedAt) {

		static Entry of(Invoice invoice) {
			return new Entry(invoice.number(), invoice.period().from(), invoice.period().to(), invoice.plan(),
					invoice.currency(), invoice.subtotal().toPlainString(), invoice.finalizedAt());
		}

	}

}
