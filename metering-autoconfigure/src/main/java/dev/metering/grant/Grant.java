package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A grant: {@code amount} units of a meter that a tenant may use from {@code effectiveAt} until
 * it expires or is voided.
 *
 * @param id the grant's id (a UUID)
 * @param tenantId the tenant
 * @param meter the meter
 * @param amount the units granted, positive
 * @param priority burned first when lowest (then the earliest end, then the earliest start)
 * @param effectiveAt usable from this instant
 * @param expiresAt usable until this instant (exclusive); {@code null} for no expiry
 * @param voidedAt voided at this instant, or {@code null}
 * @param createdAt when it was created
 * @param createdBy who created it (the admin actor)
 * @param description an optional note (a purchase reference)
 */
public record Grant(String id, String tenantId, String meter, BigDecimal amount, int priority, Instant effectiveAt,
		@Nullable Instant expiresAt, @Nullable Instant voidedAt, Instant createdAt, String createdBy,
		@Nullable String description) {

	/**
	 * The instant the grant stops being usable: its expiry or its voiding, whichever is first.
	 * @return the end, {@code null} when it has none
	 */
	public @Nullable Instant endsAt() {
		if (this.voidedAt == null) {
			return this.expiresAt;
		}
		return (this.expiresAt == null || this.voidedAt.isBefore(this.expiresAt)) ? this.voidedAt : this.expiresAt;
	}

	/**
	 * Whether the grant may be used at an instant.
	 * @param at the instant
	 * @return {@code true} from its effective instant until its end
	 */
	public boolean usableAt(Instant at) {
		Instant end = endsAt();
		return !at.isBefore(this.effectiveAt) && (end == null || at.isBefore(end));
	}

}
