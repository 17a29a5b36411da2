package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;

import org.jspecify.annotations.Nullable;

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
 * @param subtotal the base fee plus every line's amount and every adjustment's
 * @param tenants the tenants whose usage was billed to this scope in the period
 * @param closed whether the period is closed: the ledger rejects events of it from now on
 * @param closesAt when the period closes (its end plus {@code metering.billing.close-after})
 * @param parts the parts of a period whose plan changed, each billed at its own plan (empty when
 * one plan covered the whole period)
 * @param adjustments corrections made in this period to events of closed periods, one per meter
 * and corrected period (their usage is not in {@code lines})
 * @param moneyCredits what money grants paid of the lines' amounts, per grant and line (the
 * subtotal is before them: {@link #amountDue()} is after)
 */
public record BillingReport(String billingScope, String plan, Currency currency, BillingPeriod period,
		List<Line> lines, BigDecimal baseFee, BigDecimal subtotal, List<String> tenants, boolean closed,
		Instant closesAt, List<Part> parts, List<Adjustment> adjustments, List<MoneyCredit> moneyCredits) {

	public BillingReport {
		lines = List.copyOf(lines);
		tenants = List.copyOf(tenants);
		parts = List.copyOf(parts);
		adjustments = List.copyOf(adjustments);
		moneyCredits = List.copyOf(moneyCredits);
	}

	/**
	 * A report without money credits.
	 * @param billingScope the paying tenant
	 * @param plan the plan in force
	 * @param currency the currency of every amount
	 * @param period the billing period
	 * @param lines one line per priced meter of the plan
	 * @param baseFee the plan's flat fee
	 * @param subtotal the base fee plus every line's amount and every adjustment's
	 * @param tenants the tenants whose usage was billed to this scope in the period
	 * @param closed whether the period is closed
	 * @param closesAt when the period closes
	 * @param parts the parts of a period whose plan changed
	 * @param adjustments corrections of closed periods made in this one
	 */
	public BillingReport(String billingScope, String plan, Currency currency, BillingPeriod period, List<Line> lines,
			BigDecimal baseFee, BigDecimal subtotal, List<String> tenants, boolean closed, Instant closesAt,
			List<Part> parts, List<Adjustment> adjustments) {
		this(billingScope, plan, currency, period, lines, baseFee, subtotal, tenants, closed, closesAt, parts,
				adjustments, List.of());
	}

	/**
	 * The same report with money credits applied.
	 * @param credits the credits
	 * @return the report
	 */
	public BillingReport withMoneyCredits(List<MoneyCredit> credits) {
		return new BillingReport(this.billingScope, this.plan, this.currency, this.period, this.lines, this.baseFee,
				this.subtotal, this.tenants, this.closed, this.closesAt, this.parts, this.adjustments, credits);
	}

	/**
	 * What money grants paid in all.
	 * @return the sum of {@link #moneyCredits()}, zero without any
	 */
	public BigDecimal moneyCreditsApplied() {
		return this.moneyCredits.stream().map(MoneyCredit::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
	}

	/**
	 * What money grants paid of one line.
	 * @param line the line's index in {@link #lines()}
	 * @return the sum, zero when none paid it
	 */
	public BigDecimal moneyCreditsApplied(int line) {
		return this.moneyCredits.stream()
			.filter((credit) -> credit.line() == line)
			.map(MoneyCredit::amount)
			.reduce(BigDecimal.ZERO, BigDecimal::add);
	}

	/**
	 * What remains to pay: the subtotal less the money credits.
	 * @return the amount due
	 */
	public BigDecimal amountDue() {
		return this.subtotal.subtract(moneyCreditsApplied());
	}

	/**
	 * What one money grant paid of one line's amount.
	 *
	 * @param grantId the grant
	 * @param line the line's index in {@link #lines()}
	 * @param meter the line's meter
	 * @param amount the money, in the report's currency and scale, positive
	 */
	public record MoneyCredit(String grantId, int line, String meter, BigDecimal amount) {
	}

	/**
	 * The report of a period billed at one plan, without adjustments.
	 * @param billingScope the paying tenant
	 * @param plan the plan in force
	 * @param currency the currency of every amount
	 * @param period the billing period
	 * @param lines one line per priced meter of the plan, in the plan's order
	 * @param baseFee the plan's flat fee
	 * @param subtotal the base fee plus every line's amount
	 * @param tenants the tenants whose usage was billed to this scope in the period
	 * @param closed whether the period is closed
	 * @param closesAt when the period closes
	 */
	public BillingReport(String billingScope, String plan, Currency currency, BillingPeriod period, List<Line> lines,
			BigDecimal baseFee, BigDecimal subtotal, List<String> tenants, boolean closed, Instant closesAt) {
		this(billingScope, plan, currency, period, lines, baseFee, subtotal, tenants, closed, closesAt, List.of(), List.of());
	}

	/**
	 * A part of a period billed at one plan: its base fee is the plan's prorated by the part's
	 * share of the period's time.
	 *
	 * @param plan the plan of the part
	 * @param period the part, {@code [from, to)} within the report's period
	 * @param baseFee the plan's base fee times the part's share of the period, rounded once
	 */
	public record Part(String plan, BillingPeriod period, BigDecimal baseFee) {
	}

	/**
	 * One priced meter.
	 *
	 * @param price the price applied (model, unit price or tiers, package size)
	 * @param charge the usage, included, billable (overage) quantity and amount
	 * @param part the part of the period it bills when the plan changed in the period (its
	 * {@code included} then prorated), {@code null} when one plan covered the whole period
	 * @param creditsApplied the usage prepaid grants covered (not billed)
	 */
	public record Line(MeterPrice price, MeterPrice.Charge charge, @Nullable Part part, BigDecimal creditsApplied) {

		/**
		 * A line of a period billed at one plan, without credits.
		 * @param price the price applied
		 * @param charge the usage and amount
		 */
		public Line(MeterPrice price, MeterPrice.Charge charge) {
			this(price, charge, null, BigDecimal.ZERO);
		}

		/**
		 * A line of a part of a period whose plan changed, without credits.
		 * @param price the price applied (its included quantity prorated)
		 * @param charge the usage and amount
		 * @param part the part it bills
		 */
		public Line(MeterPrice price, MeterPrice.Charge charge, @Nullable Part part) {
			this(price, charge, part, BigDecimal.ZERO);
		}

		/**
		 * A line of a period billed at one plan, with the credits applied to it.
		 * @param price the price applied
		 * @param charge the usage and what it costs beyond the credits
		 * @param creditsApplied the usage prepaid grants covered
		 */
		public Line(MeterPrice price, MeterPrice.Charge charge, BigDecimal creditsApplied) {
			this(price, charge, null, creditsApplied);
		}

		/**
		 * The meter.
		 * @return the meter name
		 */
		public String meter() {
			return this.price.meter();
		}

	}

	/**
	 * What corrections made in this period change in the bill of a closed period: the closed
	 * period's report stays as it was, and this line bills the difference. Its amount is the
	 * charge of the closed period's usage with every correction made up to the end of this
	 * period, minus the charge with those made before this period, so the closed period's
	 * amount plus its adjustment lines is what its corrected usage costs.
	 *
	 * @param meter the meter
	 * @param adjusted the closed period the corrected events belong to
	 * @param quantity how much the corrections change its usage (negative for a void)
	 * @param amount what they change its amount by
	 */
	public record Adjustment(String meter, BillingPeriod adjusted, BigDecimal quantity, BigDecimal amount) {
	}

}
