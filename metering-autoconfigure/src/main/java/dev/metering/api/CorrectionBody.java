package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.metering.event.Correction;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * A void's or correction's answer.
 *
 * @param eventId the corrected event
 * @param correctionId the compensating ledger row appended, {@code null} when nothing changed
 * @param tenantId its tenant
 * @param metric its meter
 * @param previousQuantity its quantity before
 * @param quantity its quantity now
 * @param status {@code voided}, {@code corrected} or {@code unchanged} (a repeated call)
 * @param countsAt when the compensating row counts: the event's instant, or now for an event of
 * a closed period
 * @param adjustment whether it is billed as an adjustment line of a later period
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record CorrectionBody(String eventId, @Nullable String correctionId, String tenantId, String metric,
		BigDecimal previousQuantity, BigDecimal quantity, String status,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant countsAt, boolean adjustment) {

	static CorrectionBody of(Correction correction) {
		String status = !correction.changed() ? "unchanged" : correction.voided() ? "voided" : "corrected";
		return new CorrectionBody(correction.eventId().toString(),
				(correction.correctionId() != null) ? correction.correctionId().toString() : null,
				correction.tenantId(), correction.meter(), Quantities.plain(correction.previousQuantity()),
				Quantities.plain(correction.quantity()), status, correction.occurredAt(),
				correction.adjustment());
	}

}
