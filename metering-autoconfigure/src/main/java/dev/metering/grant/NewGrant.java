package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What a new grant asks for, as given (validated by {@link GrantService#create}).
 *
 * @param tenantId the tenant
 * @param meter the meter
 * @param amount the units, positive
 * @param priority lowest burned first; {@code null} for {@value GrantService#DEFAULT_PRIORITY}
 * @param effectiveAt usable from; {@code null} for now
 * @param expiresAt usable until (exclusive); {@code null} for no expiry
 * @param description an optional note, at most 512 characters
 * @param recurrence {@code month} to renew the grant's amount at each UTC month's start (no
 * {@code expiresAt} then: void it to stop), {@code null} for a one-off grant
 * @param rolloverMax of a recurring grant: the most of what is left at a month's end that carries
 * into the next one (zero or more); {@code null} for nothing
 */
public record NewGrant(@Nullable String tenantId, @Nullable String meter, @Nullable BigDecimal amount,
		@Nullable Integer priority, @Nullable Instant effectiveAt, @Nullable Instant expiresAt,
		@Nullable String description, @Nullable String recurrence, @Nullable BigDecimal rolloverMax) {

	/**
	 * A one-off grant.
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param amount the units, positive
	 * @param priority lowest burned first; {@code null} for the default
	 * @param effectiveAt usable from; {@code null} for now
	 * @param expiresAt usable until (exclusive); {@code null} for no expiry
	 * @param description an optional note
	 */
	public NewGrant(@Nullable String tenantId, @Nullable String meter, @Nullable BigDecimal amount,
			@Nullable Integer priority, @Nullable Instant effectiveAt, @Nullable Instant expiresAt,
			@Nullable String description) {
		this(tenantId, meter, amount, priority, effectiveAt, expiresAt, description, null, null);
	}

	/**
	 * A grant usable from now, without expiry, at the default priority.
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param amount the units
	 * @return the request
	 */
	public static NewGrant of(String tenantId, String meter, long amount) {
		return new NewGrant(tenantId, meter, BigDecimal.valueOf(amount), null, null, null, null);
	}

}
