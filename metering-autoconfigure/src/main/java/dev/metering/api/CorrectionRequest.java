package dev.metering.api;

import java.math.BigDecimal;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The body of {@code POST /events/{id}/void} and {@code POST /events/{id}/correct}:
 * {@code tenant_id} (the event's tenant, required), {@code quantity} (the right quantity, for a
 * correction), and optionally {@code actor} and {@code reason} for the audit trail.
 *
 * @param tenantId the tenant the caller acts for
 * @param quantity the right quantity, {@code null} for a void
 * @param actor who corrects, {@code null} for the caller's principal (or {@code api})
 * @param reason why, {@code null} for none
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record CorrectionRequest(@Nullable String tenantId, @Nullable BigDecimal quantity, @Nullable String actor,
		@Nullable String reason) {
}
