package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * A grant: {@code amount} units of a meter (or, a money grant, {@code amount} of a currency that
 * pays the priced charges of some or all of the plan's meters) that a tenant may use from
 * {@code effectiveAt} until it expires or is voided.
 *
 * @param id the grant's id (a UUID)
 * @param tenantId the tenant
 * @param meter the meter; {@code null} for a money grant
 * @param amount the units granted (a money grant: the money), positive
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
 * @param currency a money grant's ISO 4217 currency, {@code null} for a grant of units
 * @param meters the meters whose charges a money grant pays; empty for every meter of the plan
 * (and always for a grant of units)
 */
public record Grant(String id, String tenantId, @Nullable String meter, BigDecimal amount, int priority,
		Instant effectiveAt, @Nullable Instant expiresAt, @Nullable Instant voidedAt, Instant createdAt,
		String createdBy, @Nullable String description, @Nullable String recurrence, @Nullable BigDecimal rolloverMax,
		BigDecimal carried, @Nullable String currency, List<String> meters) {

	public Grant {
		meters = List.copyOf(meters);
	}

	/**
	 * A grant of units.
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
	 * @param recurrence {@code month} or {@code null}
	 * @param rolloverMax the most that carries into the next month, or {@code null}
	 * @param carried the part of {@code amount} carried from the month before
	 */
	public Grant(String id, String tenantId, String meter, BigDecimal amount, int priority, Instant effectiveAt,
			@Nullable Instant expiresAt, @Nullable Instant voidedAt, Instant createdAt, String createdBy,
			@Nullable String description, @Nullable String recurrence, @Nullable BigDecimal rolloverMax,
			BigDecimal carried) {
		this(id, tenantId, meter, amount, priority, effectiveAt, expiresAt, voidedAt, createdAt, createdBy, description,
				recurrence, rolloverMax, carried, null, List.of());
	}

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
				this.carried, this.currency, this.meters);
	}

	/**
	 * Whether this is a money grant (it pays priced charges, it admits no usage).
	 * @return {@code true} when it has a currency
	 */
	public boolean isMoney() {
		return this.currency != null;
	}

	/**
	 * Whether a money grant pays a meter's charges.
	 * @param meterName the meter
	 * @return {@code true} when it lists the meter or lists none
	 */
	public boolean pays(String meterName) {
		return this.meters.isEmpty() || this.meters.contains(meterName);
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
