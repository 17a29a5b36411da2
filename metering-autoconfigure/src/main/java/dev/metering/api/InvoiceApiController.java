package dev.metering.api;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.metering.billing.Invoice;
import dev.metering.billing.InvoiceStore;
import dev.metering.event.UsageEventValidator;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Finalized invoices under the usage API's base path, with its access rules (a tenant sees its
 * own, an admin every tenant's): the list, and one invoice as the JSON or CSV stored when its
 * period closed, byte for byte.
 */
@RestController
@RequestMapping("${metering.api.base-path:/api}")
public class InvoiceApiController {

	private static final MediaType TEXT_CSV = MediaType.parseMediaType("text/csv;charset=UTF-8");

	private final ApiAccess access;

	private final InvoiceStore invoices;

	/**
	 * The routes.
	 * @param access who may act for which tenant
	 * @param invoices the stored invoices
	 */
	public InvoiceApiController(ApiAccess access, InvoiceStore invoices) {
		this.access = access;
		this.invoices = invoices;
	}

	/** A billing scope's invoices, oldest period first. */
	@GetMapping("/invoices/{tenant}")
	InvoicesBody list(HttpServletRequest request, @PathVariable String tenant) {
		checkTenant(request, tenant);
		return InvoicesBody.of(tenant, this.invoices.invoicesOf(tenant));
	}

	/**
	 * One invoice: its stored JSON, or its stored CSV with {@code Accept: text/csv} or
	 * {@code format=csv}. 404 when the scope has no invoice of that number.
	 */
	@GetMapping("/invoices/{tenant}/{number}")
	ResponseEntity<byte[]> invoice(HttpServletRequest request, @PathVariable String tenant,
			@PathVariable String number, @RequestParam(required = false) @Nullable String format) {
		checkTenant(request, tenant);
		Invoice.Format wanted = format(request, format);
		if (number.isBlank() || number.length() > 64) {
			throw ApiException.badRequest("number", "must be 1..64 characters");
		}
		String document = this.invoices.document(tenant, number, wanted)
			.orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "number",
					"tenant '" + tenant + "' has no invoice '" + UsageEventValidator.abbreviate(number) + "'"));
		MediaType type = (wanted == Invoice.Format.CSV) ? TEXT_CSV : MediaType.APPLICATION_JSON;
		return ResponseEntity.ok().contentType(type).body(document.getBytes(StandardCharsets.UTF_8));
	}

	private void checkTenant(HttpServletRequest request, String tenant) {
		if (tenant.isBlank() || tenant.length() > UsageEventValidator.MAX_ID_LENGTH) {
			throw ApiException.badRequest("tenant", "must be 1.." + UsageEventValidator.MAX_ID_LENGTH + " characters");
		}
		this.access.authorize(request, tenant);
	}

	private static Invoice.Format format(HttpServletRequest request, @Nullable String format) {
		if (format != null) {
			return switch (format.trim().toLowerCase(Locale.ROOT)) {
				case "json" -> Invoice.Format.JSON;
				case "csv" -> Invoice.Format.CSV;
				default -> throw ApiException.badRequest("format",
						"must be json or csv, was '" + UsageEventValidator.abbreviate(format) + "'");
			};
		}
		return UsageApiController.wantsCsv(request) ? Invoice.Format.CSV : Invoice.Format.JSON;
	}

}
