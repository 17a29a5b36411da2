package dev.metering.billing;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;

/**
 * What a plan costs: a flat base fee per billing period plus the price of each metered meter,
 * all in one currency.
 *
 * @param plan the plan name, as in {@code metering.plans}
 * @param currency the ISO 4217 currency
 * @param baseFee the flat fee per billing period, zero when none
 * @param prices the priced meters, one price per meter and filter
 */
public record PlanPricing(String plan, Currency currency, BigDecimal baseFee, List<MeterPrice> prices) {

	public PlanPricing {
		prices = List.copyOf(prices);
		if (baseFee.signum() < 0) {
			throw new IllegalArgumentException("base-fee must not be negative, was " + baseFee.toPlainString());
		}
		if (currency.getDefaultFractionDigits() < 0) {
			throw new IllegalArgumentException("currency " + currency + " has no minor unit to bill in");
		}
		if (prices.stream().map((price) -> List.of(price.meter(), price.filter())).distinct().count() != prices.size()) {
			throw new IllegalArgumentException("a meter is priced twice with the same filter in plan " + plan);
		}
	}

	/**
	 * The scale money of this plan is rounded to: the currency's fraction digits (2 for EUR, 0
	 * for JPY, 3 for KWD).
	 * @return the scale
	 */
	public int scale() {
		return this.currency.getDefaultFractionDigits();
	}

}
