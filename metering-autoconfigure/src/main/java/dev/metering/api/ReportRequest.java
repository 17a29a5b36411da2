package dev.metering.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /billing-report}: {@code tenant_id} (or {@code billing_scope_id}),
 * and optionally {@code period} ({@code yyyy-MM}) or {@code from} and {@code to} on whole hours.
 * Other fields are ignored, as the product's clients may send them.
 *
 * @param tenantId the paying tenant
 * @param billingScopeId the same, by its other name
 * @param period a month as yyyy-MM, or {@code null}
 * @param from the start, or {@code null}
 * @param to the end, or {@code null}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
record ReportRequest(@Nullable String tenantId, @Nullable String billingScopeId, @Nullable String period,
		@Nullable String from, @Nullable String to) {

	/**
	 * The paying tenant.
	 * @throws ApiException 400 when none or two different ones are given
	 */
	String billingScope() {
		if (this.tenantId != null && this.billingScopeId != null && !this.tenantId.equals(this.billingScopeId)) {
			throw ApiException.badRequest("billing_scope_id", "give tenant_id or billing_scope_id, not two scopes");
		}
		String billed = (this.billingScopeId != null) ? this.billingScopeId : this.tenantId;
		if (billed == null || billed.isBlank()) {
			throw ApiException.badRequest("tenant_id", "is required");
		}
		if (billed.length() > UsageEventValidator.MAX_ID_LENGTH) {
			throw ApiException.badRequest((this.billingScopeId != null) ? "billing_scope_id" : "tenant_id",
					"must be at most " + UsageEventValidator.MAX_ID_LENGTH + " characters");
		}
		return billed;
	}

}
