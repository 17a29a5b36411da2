package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.metering.grant.Grant;
import dev.metering.grant.GrantBalance;
import dev.metering.grant.MeterBalance;
import dev.metering.grant.MoneyBalance;
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
 * @param moneyBalances per currency, the money grants and what is left of them (absent without any)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record EntitlementsBody(String tenantId, @Nullable String plan, Map<String, FeatureBody> features,
		Map<String, List<PolicyBody>> metered, Map<String, BalanceBody> balances,
		@JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, MoneyBalanceBody> moneyBalances) {

	/**
	 * A currency's money balance; money as strings with the currency's scale, as in the billing report.
	 *
	 * @param balance what the usable money grants have left
	 * @param grants each money grant
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record MoneyBalanceBody(String balance, List<MoneyGrantBody> grants) {

		static MoneyBalanceBody of(MoneyBalance balance) {
			int scale = Currency.getInstance(balance.currency()).getDefaultFractionDigits();
			return new MoneyBalanceBody(money(balance.balance(), scale),
					balance.grants().stream().map((grant) -> MoneyGrantBody.of(grant, scale)).toList());
		}

	}

	/**
	 * One money grant.
	 *
	 * @param id its id
	 * @param amount the money granted
	 * @param used what it paid of the bills so far (this period's charges included)
	 * @param remaining what is left
	 * @param meters the meters whose charges it pays, empty for every meter
	 * @param priority lowest paid from first
	 * @param effectiveAt usable from
	 * @param expiresAt usable until, {@code null} for no expiry
	 * @param state pending, active, depleted, expired or voided
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record MoneyGrantBody(String id, String amount, String used, String remaining, List<String> meters, int priority,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant effectiveAt,
			@JsonFormat(shape = JsonFormat.Shape.STRING) @Nullable Instant expiresAt, String state) {

		static MoneyGrantBody of(GrantBalance balance, int scale) {
			Grant grant = balance.grant();
			return new MoneyGrantBody(grant.id(), money(grant.amount(), scale), money(balance.used(), scale),
					money(balance.remaining(), scale), grant.meters(), grant.priority(), grant.effectiveAt(),
					grant.expiresAt(), balance.state());
		}

	}

	static String money(BigDecimal amount, int scale) {
		return amount.setScale(scale, java.math.RoundingMode.UNNECESSARY).toPlainString();
	}

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
