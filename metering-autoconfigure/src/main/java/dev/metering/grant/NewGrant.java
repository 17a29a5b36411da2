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
 */
public record NewGrant(@Nullable String tenantId, @Nullable String meter, @Nullable BigDecimal amount,
		@Nullable Integer priority, @Nullable Instant effectiveAt, @Nullable Instant expiresAt,
		@Nullable String description) {

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
