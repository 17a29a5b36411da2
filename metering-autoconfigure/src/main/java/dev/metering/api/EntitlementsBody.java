package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.metering.grant.Grant;
import dev.metering.grant.GrantBalance;
import dev.metering.grant.MeterBalance;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * {@code GET /entitlements/{tenant}}: a tenant's features and its metered entitlements (each
 * quota with its current balance).
 *
 * @param tenantId the tenant
 * @param plan its plan, {@code null} when it has none
 * @param features each feature's value and whether it entitles
 * @param metered each metered meter's quotas in their current window
 * @param balances each meter's grants (prepaid credits) and what is left of them
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record EntitlementsBody(String tenantId, @Nullable String plan, Map<String, FeatureBody> features,
		Map<String, List<PolicyBody>> metered, Map<String, BalanceBody> balances) {

	/**
	 * One feature.
	 *
	 * @param value its value ({@code true}, {@code 20}, {@code priority})
	 * @param entitled whether it entitles ({@code @Entitled} passes)
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record FeatureBody(String value, boolean entitled) {
	}

	/**
	 * A meter's balance.
	 *
	 * @param grantBacked {@code hard} or {@code soft} when the meter is grant-backed, else {@code null}
	 * @param balance what the usable grants have left
	 * @param overage usage no grant covered
	 * @param grants each grant
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record BalanceBody(@Nullable String grantBacked, BigDecimal balance, BigDecimal overage, List<GrantBody> grants) {

		static BalanceBody of(MeterBalance balance) {
			return new BalanceBody(
					(balance.enforcement() != null) ? balance.enforcement().name().toLowerCase(Locale.ROOT) : null,
					balance.balance(), balance.overage(), balance.grants().stream().map(GrantBody::of).toList());
		}

	}

	/**
	 * One grant.
	 *
	 * @param id its id
	 * @param amount the units granted
	 * @param used what usage burned
	 * @param remaining what is left
	 * @param priority lowest burned first
	 * @param effectiveAt usable from
	 * @param expiresAt usable until, {@code null} for no expiry
	 * @param state pending, active, depleted, expired or voided
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record GrantBody(String id, BigDecimal amount, BigDecimal used, BigDecimal remaining, int priority,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant effectiveAt,
			@JsonFormat(shape = JsonFormat.Shape.STRING) @Nullable Instant expiresAt, String state) {

		static GrantBody of(GrantBalance balance) {
			Grant grant = balance.grant();
			return new GrantBody(grant.id(), grant.amount(), balance.used(), balance.remaining(), grant.priority(),
					grant.effectiveAt(), grant.expiresAt(), balance.state());
		}

	}

}
