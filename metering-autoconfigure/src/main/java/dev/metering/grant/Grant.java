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
 * @param recurrence {@code month} when the grant renews at each UTC month's start (this row is
 * one month of it), else {@code null}
 * @param rolloverMax of a recurring grant: the most of what it has left at its month's end that
 * carries into the next month; {@code null} when nothing carries
 * @param carried the part of {@code amount} carried from the month before (zero for none)
 */
public record Grant(String id, String tenantId, String meter, BigDecimal amount, int priority, Instant effectiveAt,
		@Nullable Instant expiresAt, @Nullable Instant voidedAt, Instant createdAt, String createdBy,
		@Nullable String description, @Nullable String recurrence, @Nullable BigDecimal rolloverMax,
		BigDecimal carried) {

	/**
	 * A grant that does not renew.
	 * @param id the grant's id
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param amount the units granted
	 * @param priority burned first when lowest
	 * @param effectiveAt usable from this instant
	 * @param expiresAt usable until this instant, or {@code null}
	 * @param voidedAt voided at this instant, or {@code null}
	 * @param createdAt when it was created
	 * @param createdBy who created it
	 * @param description an optional note
	 */
	public Grant(String id, String tenantId, String meter, BigDecimal amount, int priority, Instant effectiveAt,
			@Nullable Instant expiresAt, @Nullable Instant voidedAt, Instant createdAt, String createdBy,
			@Nullable String description) {
		this(id, tenantId, meter, amount, priority, effectiveAt, expiresAt, voidedAt, createdAt, createdBy, description,
				null, null, BigDecimal.ZERO);
	}

	/**
	 * The grant voided at an instant.
	 * @param at the instant
	 * @return the voided grant
	 */
	public Grant voided(Instant at) {
		return new Grant(this.id, this.tenantId, this.meter, this.amount, this.priority, this.effectiveAt,
				this.expiresAt, at, this.createdAt, this.createdBy, this.description, this.recurrence, this.rolloverMax,
				this.carried);
	}

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
