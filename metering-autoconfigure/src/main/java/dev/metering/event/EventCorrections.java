package dev.metering.event;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * Voids and corrections of recorded events. Nothing in the ledger is edited: each appends a
 * compensating row linked to the event it corrects ({@code corrects_event_id}), so rollups,
 * usage, quotas and bills see the corrected value, and the ledger keeps what happened.
 */
public interface EventCorrections {

	/** No corrections: every call throws {@link UnsupportedOperationException}. */
	EventCorrections NONE = new EventCorrections() {

		@Override
		public Correction voidEvent(String tenantId, UUID eventId, String actor, String reason) {
			throw new UnsupportedOperationException("no corrections without the kit's ledger (EventCorrections bean)");
		}

		@Override
		public Correction correct(String tenantId, UUID eventId, BigDecimal quantity, String actor, String reason) {
			throw new UnsupportedOperationException("no corrections without the kit's ledger (EventCorrections bean)");
		}

	};

	/**
	 * Voids an event: its quantity no longer counts anywhere. Voiding a voided event changes
	 * nothing ({@link Correction#changed()} is {@code false}).
	 * @param tenantId the tenant the caller acts for: the event must be its own
	 * @param eventId the event
	 * @param actor who voids it (kept in the audit trail)
	 * @param reason why (kept in the audit trail)
	 * @return what was done
	 * @throws CorrectionException when the event is unknown, another tenant's, or cannot be voided
	 */
	Correction voidEvent(String tenantId, UUID eventId, String actor, String reason);

	/**
	 * Corrects an event's quantity. Correcting to the quantity it has now changes nothing.
	 * @param tenantId the tenant the caller acts for: the event must be its own
	 * @param eventId the event
	 * @param quantity its right quantity (non-negative, at most 9 decimal places)
	 * @param actor who corrects it (kept in the audit trail)
	 * @param reason why (kept in the audit trail)
	 * @return what was done
	 * @throws CorrectionException when the event is unknown, another tenant's, voided, or the
	 * quantity is invalid
	 */
	Correction correct(String tenantId, UUID eventId, BigDecimal quantity, String actor, String reason);

}
