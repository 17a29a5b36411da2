package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What a new grant asks for, as given (validated by {@link GrantService#create}).
 *
 * @param tenantId the tenant
 * @param meter the meter; {@code null} for a money grant
 * @param amount the units (a money grant: the money, at most the currency's decimals), positive
 * @param priority lowest burned first; {@code null} for {@value GrantService#DEFAULT_PRIORITY}
 * @param effectiveAt usable from; {@code null} for now
 * @param expiresAt usable until (exclusive); {@code null} for no expiry
 * @param description an optional note, at most 512 characters
 * @param recurrence {@code month} to renew the grant's amount at each UTC month's start (no
 * {@code expiresAt} then: void it to stop), {@code null} for a one-off grant
 * @param rolloverMax of a recurring grant: the most of what is left at a month's end that carries
 * into the next one (zero or more); {@code null} for nothing
 * @param currency an ISO 4217 code for a money grant (no {@code meter} then), {@code null} for units
 * @param meters the meters whose charges a money grant pays; {@code null} or empty for every
 * meter of the plan
 */
public record NewGrant(@Nullable String tenantId, @Nullable String meter, @Nullable BigDecimal amount,
		@Nullable Integer priority, @Nullable Instant effectiveAt, @Nullable Instant expiresAt,
		@Nullable String description, @Nullable String recurrence, @Nullable BigDecimal rolloverMax,
		@Nullable String currency, @Nullable List<String> meters) {

	/**
	 * A grant of units, one-off or recurring.
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param amount the units, positive
	 * @param priority lowest burned first; {@code null} for the default
	 * @param effectiveAt usable from; {@code null} for now
	 * @param expiresAt usable until (exclusive); {@code null} for no expiry
	 * @param description an optional note
	 * @param recurrence {@code month} or {@code null}
	 * @param rolloverMax the most that carries into the next month, or {@code null}
	 */
	public NewGrant(@Nullable String tenantId, @Nullable String meter, @Nullable BigDecimal amount,
			@Nullable Integer priority, @Nullable Instant effectiveAt, @Nullable Instant expiresAt,
			@Nullable String description, @Nullable String recurrence, @Nullable BigDecimal rolloverMax) {
		this(tenantId, meter, amount, priority, effectiveAt, expiresAt, description, recurrence, rolloverMax, null,
				null);
	}

	/**
	 * A money grant usable from now, without expiry, at the default priority.
	 * @param tenantId the tenant (the paying one: money grants pay its bills)
	 * @param amount the money, e.g. {@code 100.00}
	 * @param currency its ISO 4217 code, that of the plan's prices
	 * @param meters the meters whose charges it pays; none for every meter of the plan
	 * @return the request
	 */
	public static NewGrant money(String tenantId, BigDecimal amount, String currency, String... meters) {
		return new NewGrant(tenantId, null, amount, null, null, null, null, null, null, currency, List.of(meters));
	}

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
