package dev.metering.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.metering.billing.Invoice;
import dev.metering.billing.InvoiceFinalizedEvent;
import dev.metering.notification.NotificationEmitter;
import dev.metering.notification.NotificationType;

import org.springframework.context.ApplicationListener;

/**
 * A finalized invoice as an {@code invoice.finalized} notification: into the webhook outbox
 * (once per invoice number across instances) and as a {@code MeteringNotificationEvent}.
 */
final class InvoiceNotifications implements ApplicationListener<InvoiceFinalizedEvent> {

	private final NotificationEmitter emitter;

	InvoiceNotifications(NotificationEmitter emitter) {
		this.emitter = emitter;
	}

	@Override
	public void onApplicationEvent(InvoiceFinalizedEvent event) {
		Invoice invoice = event.getInvoice();
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("invoice_number", invoice.number());
		data.put("billing_scope_id", invoice.billingScope());
		data.put("period_start", invoice.period().from().toString());
		data.put("period_end", invoice.period().to().toString());
		data.put("plan", invoice.plan());
		data.put("currency", invoice.currency());
		data.put("subtotal", invoice.subtotal().toPlainString());
		this.emitter.emit(NotificationType.INVOICE_FINALIZED, invoice.billingScope(), invoice.number(), data);
	}

}
