package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.billing.BillingReport;
import dev.metering.billing.MeterPrice;
import dev.metering.billing.PriceTier;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /billing-report}: a priced period. Money is a string with the currency's scale,
 * so no client parses it into a binary float.
 *
 * @param tenantId the billing scope (the product's name for it)
 * @param billingScopeId the billing scope
 * @param plan its plan
 * @param currency ISO 4217 code
 * @param periodStart the period's start
 * @param periodEnd the period's end
 * @param lines one per priced meter
 * @param baseFee the plan's fee
 * @param subtotal base fee and lines
 * @param tenants the tenants whose usage it bills
 * @param closed whether the period is over and its usage final
 * @param closesAt when it is
 * @param adjustments corrections made in the period to events of closed periods, per meter and
 * corrected period (their usage is not in {@code lines})
 * @param moneyCredits what money grants paid, per grant and line (absent without any)
 * @param moneyCreditsApplied their sum (absent without any)
 * @param amountDue the subtotal less the money credits (absent without any: the subtotal is due)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record ReportBody(String tenantId, String billingScopeId, String plan, String currency,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant periodStart,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant periodEnd, List<Line> lines, String baseFee,
		String subtotal, List<String> tenants, boolean closed,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant closesAt,
		@JsonInclude(JsonInclude.Include.NON_EMPTY) List<Part> parts,
		List<Adjustment> adjustments, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<MoneyCredit> moneyCredits,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String moneyCreditsApplied,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String amountDue) {

	static ReportBody of(BillingReport report) {
		boolean money = !report.moneyCredits().isEmpty();
		return new ReportBody(report.billingScope(), report.billingScope(), report.plan(),
				report.currency().getCurrencyCode(), report.period().from(), report.period().to(),
				java.util.stream.IntStream.range(0, report.lines().size()).mapToObj((i) -> Line.of(report, i)).toList(),
				report.baseFee().toPlainString(), report.subtotal().toPlainString(), report.tenants(), report.closed(),
				report.closesAt(), report.parts().stream().map(Part::of).toList(),
				report.adjustments().stream().map(Adjustment::of).toList(),
				report.moneyCredits().stream().map(MoneyCredit::of).toList(),
				money ? report.moneyCreditsApplied().toPlainString() : null,
				money ? report.amountDue().toPlainString() : null);
	}

	/**
	 * What one money grant paid of one line.
	 *
	 * @param grantId the grant
	 * @param metric the line's meter
	 * @param amount the money
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record MoneyCredit(String grantId, String metric, String amount) {

		static MoneyCredit of(BillingReport.MoneyCredit credit) {
			return new MoneyCredit(credit.grantId(), credit.meter(), credit.amount().toPlainString());
		}

	}

	/** A part of a period whose plan changed: its plan, its dates and its prorated base fee. */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Part(String plan, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant partStart,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant partEnd, String baseFee) {

		static Part of(BillingReport.Part part) {
			return new Part(part.plan(), part.period().from(), part.period().to(), part.baseFee().toPlainString());
		}

	}

	/**
	 * One priced meter; the price fields its model has, the others left out.
	 *
	 * @param metric the meter
	 * @param filter the dimension values of the usage the line bills (e.g. {@code model}), absent
	 * when it bills all of the meter's usage
	 * @param quantity its usage
	 * @param creditsApplied the usage prepaid credits (grants) covered
	 * @param included the usage the plan includes
	 * @param billable the usage beyond the credits and what the plan includes: what is priced
	 * @param overage whether there is any
	 * @param model the pricing model
	 * @param unitPrice the price per unit, for models with one
	 * @param packageSize the units per package, for package pricing
	 * @param tiers the tiers, for tiered pricing
	 * @param amount what it costs (before money credits)
	 * @param moneyCreditsApplied what money grants paid of it (absent when none did)
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Line(String metric, @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> filter,
			BigDecimal quantity, BigDecimal creditsApplied, BigDecimal included, BigDecimal billable, boolean overage,
			String model, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String unitPrice,
			@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable BigDecimal packageSize,
			@JsonInclude(JsonInclude.Include.NON_EMPTY) List<Tier> tiers, String amount,
			@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String plan,
			@JsonInclude(JsonInclude.Include.NON_NULL) @JsonFormat(shape = JsonFormat.Shape.STRING) @Nullable Instant partStart,
			@JsonInclude(JsonInclude.Include.NON_NULL) @JsonFormat(shape = JsonFormat.Shape.STRING) @Nullable Instant partEnd,
			@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String moneyCreditsApplied) {

		static Line of(BillingReport report, int index) {
			BillingReport.Line line = report.lines().get(index);
			BigDecimal paid = report.moneyCreditsApplied(index);
			MeterPrice price = line.price();
			MeterPrice.Charge charge = line.charge();
			return new Line(line.meter(), price.filter(), Quantities.plain(charge.quantity()),
					Quantities.plain(line.creditsApplied()), Quantities.plain(price.included()),
					Quantities.plain(charge.billable()), charge.billable().signum() > 0,
					price.model().name().toLowerCase(Locale.ROOT),
					(price.unitPrice() != null) ? price.unitPrice().toPlainString() : null,
					(price.packageSize() != null) ? Quantities.plain(price.packageSize()) : null,
					price.tiers().stream().map(Tier::of).toList(), charge.amount().toPlainString(),
					(line.part() != null) ? line.part().plan() : null,
					(line.part() != null) ? line.part().period().from() : null,
					(line.part() != null) ? line.part().period().to() : null,
					(paid.signum() > 0) ? paid.toPlainString() : null);
		}

	}

	/**
	 * One tier of a tiered price.
	 *
	 * @param upTo the tier's last unit, {@code null} for the last tier
	 * @param unitPrice the price per unit in it
	 * @param flatFee the fee for reaching it
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Tier(@Nullable BigDecimal upTo, String unitPrice, String flatFee) {

		static Tier of(PriceTier tier) {
			return new Tier((tier.upTo() != null) ? Quantities.plain(tier.upTo()) : null,
					tier.unitPrice().toPlainString(), tier.flatFee().toPlainString());
		}

	}

	/**
	 * An adjustment line: what corrections made in this period change in a closed period's bill.
	 *
	 * @param metric the meter
	 * @param adjustedPeriodStart the closed period's start
	 * @param adjustedPeriodEnd its end
	 * @param quantity how much the corrections change its usage
	 * @param amount how much they change its amount
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record Adjustment(String metric, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant adjustedPeriodStart,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant adjustedPeriodEnd, BigDecimal quantity, String amount) {

		static Adjustment of(BillingReport.Adjustment adjustment) {
			return new Adjustment(adjustment.meter(), adjustment.adjusted().from(), adjustment.adjusted().to(),
					Quantities.plain(adjustment.quantity()), adjustment.amount().toPlainString());
		}

	}

}
