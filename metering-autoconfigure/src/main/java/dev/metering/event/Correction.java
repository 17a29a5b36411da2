package dev.metering.event;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * What a void or correction did.
 *
 * @param eventId the corrected event
 * @param correctionId the compensating row appended, {@code null} when nothing changed
 * @param tenantId the event's tenant
 * @param meter the event's meter
 * @param previousQuantity the event's quantity before (its corrections included)
 * @param quantity its quantity now ({@code 0} once voided)
 * @param voided whether the event is voided now
 * @param changed whether this call appended a row ({@code false} for a repeated void or a
 * correction to the quantity the event has)
 * @param occurredAt when the compensating row counts: the event's own instant, or the time of
 * the correction when the event's billing period had closed (an adjustment of the next period)
 * @param adjustment whether the event's period had closed, so the correction is billed as an
 * adjustment line of a later period
 */
public record Correction(UUID eventId, @Nullable UUID correctionId, String tenantId, String meter,
		BigDecimal previousQuantity, BigDecimal quantity, boolean voided, boolean changed, Instant occurredAt,
		boolean adjustment) {
}
