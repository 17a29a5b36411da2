package dev.metering.billing;

import org.springframework.context.ApplicationEvent;

/**
 * Published on the instance that finalized an invoice, after its transaction committed: once
 * per invoice across all instances.
 */
public class InvoiceFinalizedEvent extends ApplicationEvent {

	private static final long serialVersionUID = 1L;

	private final transient Invoice invoice;

	/**
	 * The event.
	 * @param source the publisher
	 * @param invoice the invoice
	 */
	public InvoiceFinalizedEvent(Object source, Invoice invoice) {
		super(source);
		this.invoice = invoice;
	}

	/**
	 * The invoice.
	 * @return the invoice
	 */
	public Invoice getInvoice() {
		return this.invoice;
	}

}
