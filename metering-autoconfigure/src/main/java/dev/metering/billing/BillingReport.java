package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;

/**
 * What a billing scope owes for a period: one line per priced meter and the plan's base fee.
 * Computed from the rollups (= the ledger) and the plan's prices; the same report asked twice
 * gives the same figures, and once {@code closed} no event can change it any more.
 *
 * @param billingScope the paying tenant
 * @param plan the plan in force
 * @param currency the currency of every amount
 * @param period the billing period
 * @param lines one line per priced meter of the plan, in the plan's order
 * @param baseFee the plan's flat fee
 * @param subtotal the base fee plus every line's amount
 * @param tenants the tenants whose usage was billed to this scope in the period
 * @param closed whether the period is closed: the ledger rejects events of it from now on
 * @param closesAt when the period closes (its end plus {@code metering.billing.close-after})
 */
public record BillingReport(String billingScope, String plan, Currency currency, BillingPeriod period,
		List<Line> lines, BigDecimal baseFee, BigDecimal subtotal, List<String> tenants, boolean closed,
		Instant closesAt) {

	public BillingReport {
		lines = List.copyOf(lines);
		tenants = List.copyOf(tenants);
	}

	/**
	 * One priced meter.
	 *
	 * @param price the price applied (model, unit price or tiers, package size)
	 * @param charge the usage, included, billable (overage) quantity and amount
	 */
	public record Line(MeterPrice price, MeterPrice.Charge charge, BigDecimal creditsApplied) {

		/**
		 * A line without credits.
		 * @param price the price
		 * @param charge what it charges
		 */
		public Line(MeterPrice price, MeterPrice.Charge charge) {
			this(price, charge, BigDecimal.ZERO);
		}

		/**
		 * The meter.
		 * @return the meter name
		 */
		public String meter() {
			return this.price.meter();
		}

	}

}
