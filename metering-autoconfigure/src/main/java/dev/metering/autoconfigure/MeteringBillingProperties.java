package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.metering.billing.PricingModel;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Billing: plan prices and billing reports, under {@code metering.billing}. Prices are keyed by
 * the plan names of {@code metering.plans}; a tenant's plan is the one {@code metering.tenants}
 * (or {@code metering.default-plan}) gives it.
 * <p>
 * Over 350 lines: prices, invoices and corrections bind as one tree under {@code metering.billing},
 * each with the Javadoc the configuration processor shows in the IDE.
 */
@ConfigurationProperties("metering.billing")
public class MeteringBillingProperties {

	/**
	 * How line amounts are rounded to the currency's scale (2 decimals for EUR, 0 for JPY).
	 * Quantities keep their 9 decimals until then; the subtotal adds the rounded amounts.
	 */
	private RoundingMode roundingMode = RoundingMode.HALF_UP;

	/**
	 * How long after its end a billing period closes: from then on its report is final. Must
	 * not be shorter than 'metering.ledger.late-window' (the ledger rejects events older than
	 * that, so no late event can reach a closed period). Unset: the ledger's late window.
	 */
	private Duration closeAfter;

	/**
	 * How long a void or correction waits for its event to reach the ledger (it may still be in
	 * a writer's buffer, on any instance) before it is refused as unknown.
	 */
	private Duration correctionWait = Duration.ofSeconds(5);

	/**
	 * Prices by plan name (the names of 'metering.plans').
	 */
	private Map<String, PlanPrices> plans = new LinkedHashMap<>();

	/**
	 * Finalized invoices: closed periods' reports, stored and numbered.
	 */
	private final Invoices invoices = new Invoices();

	public Invoices getInvoices() {
		return this.invoices;
	}

	public RoundingMode getRoundingMode() {
		return this.roundingMode;
	}

	public void setRoundingMode(RoundingMode roundingMode) {
		this.roundingMode = roundingMode;
	}

	public Duration getCloseAfter() {
		return this.closeAfter;
	}

	public void setCloseAfter(Duration closeAfter) {
		this.closeAfter = closeAfter;
	}

	public Duration getCorrectionWait() {
		return this.correctionWait;
	}

	public void setCorrectionWait(Duration correctionWait) {
		this.correctionWait = correctionWait;
	}

	public Map<String, PlanPrices> getPlans() {
		return this.plans;
	}

	public void setPlans(Map<String, PlanPrices> plans) {
		this.plans = plans;
	}

	/**
	 * How closed periods become invoices.
	 */
	public static class Invoices {

		/**
		 * Whether the rollup's scheduler stores each closed period's report as an invoice.
		 */
		private boolean enabled = true;

		/**
		 * The invoice numbers' prefix and the name of their gapless sequence, e.g. 'INV' gives
		 * INV-000001, INV-000002, ...
		 */
		private String issuer = "INV";

		/**
		 * How far back from the end of the latest closed period the closer looks for periods
		 * without an invoice (only periods wholly inside it are closed).
		 */
		private Duration lookBack = Duration.ofDays(100);

		/**
		 * The least time between two looks for due periods by the rollup's scheduler.
		 */
		private Duration checkInterval = Duration.ofMinutes(5);

		/**
		 * Periods finalized per transaction.
		 */
		private int batchSize = 200;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getIssuer() {
			return this.issuer;
		}

		public void setIssuer(String issuer) {
			this.issuer = issuer;
		}

		public Duration getLookBack() {
			return this.lookBack;
		}

		public void setLookBack(Duration lookBack) {
			this.lookBack = lookBack;
		}

		public Duration getCheckInterval() {
			return this.checkInterval;
		}

		public void setCheckInterval(Duration checkInterval) {
			this.checkInterval = checkInterval;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

	}

	/**
	 * The prices of one plan.
	 */
	public static class PlanPrices {

		/**
		 * ISO 4217 currency of every amount of the plan.
		 */
		private Currency currency;

		/**
		 * Flat fee per billing period.
		 */
		private BigDecimal baseFee = BigDecimal.ZERO;

		/**
		 * The price of each billed meter; meters not listed are not billed.
		 */
		private List<Price> prices = new ArrayList<>();

		public Currency getCurrency() {
			return this.currency;
		}

		public void setCurrency(Currency currency) {
			this.currency = currency;
		}

		public BigDecimal getBaseFee() {
			return this.baseFee;
		}

		public void setBaseFee(BigDecimal baseFee) {
			this.baseFee = baseFee;
		}

		public List<Price> getPrices() {
			return this.prices;
		}

		public void setPrices(List<Price> prices) {
			this.prices = prices;
		}

	}

	/**
	 * The price of one meter.
	 */
	public static class Price {

		/**
		 * The priced meter, e.g. 'http.requests'.
		 */
		private String meter;

		/**
		 * Quantity per billing period that costs nothing; only usage above it is billable.
		 */
		private BigDecimal included = BigDecimal.ZERO;

		/**
		 * Pricing model of the billable quantity: per-unit, package, graduated or volume.
		 */
		private PricingModel model = PricingModel.PER_UNIT;

		/**
		 * Price of one unit (per-unit) or of one package (package).
		 */
		private BigDecimal unitPrice;

		/**
		 * Units per package (package model); a started package is charged in full.
		 */
		private BigDecimal packageSize;

		/**
		 * Tiers of the graduated and volume models, ascending; the last one without 'up-to'.
		 */
		private List<Tier> tiers = new ArrayList<>();

		/**
		 * Dimension values of the usage this price bills, e.g. 'model: gpt-4o' (dimensions of
		 * the meter's group-by in 'metering.meters'); a meter may have one price per filter, each
		 * a line of the report. Empty: all of the meter's usage.
		 */
		private Map<String, String> filter = new LinkedHashMap<>();

		public Map<String, String> getFilter() {
			return this.filter;
		}

		public void setFilter(Map<String, String> filter) {
			this.filter = filter;
		}

		public String getMeter() {
			return this.meter;
		}

		public void setMeter(String meter) {
			this.meter = meter;
		}

		public BigDecimal getIncluded() {
			return this.included;
		}

		public void setIncluded(BigDecimal included) {
			this.included = included;
		}

		public PricingModel getModel() {
			return this.model;
		}

		public void setModel(PricingModel model) {
			this.model = model;
		}

		public BigDecimal getUnitPrice() {
			return this.unitPrice;
		}

		public void setUnitPrice(BigDecimal unitPrice) {
			this.unitPrice = unitPrice;
		}

		public BigDecimal getPackageSize() {
			return this.packageSize;
		}

		public void setPackageSize(BigDecimal packageSize) {
			this.packageSize = packageSize;
		}

		public List<Tier> getTiers() {
			return this.tiers;
		}

		public void setTiers(List<Tier> tiers) {
			this.tiers = tiers;
		}

	}

	/**
	 * One price tier.
	 */
	public static class Tier {

		/**
		 * Last billable quantity of the tier, inclusive. Unset for the last, unbounded tier.
		 */
		private BigDecimal upTo;

		/**
		 * Price of one unit in the tier.
		 */
		private BigDecimal unitPrice;

		/**
		 * Fee charged once when usage reaches the tier.
		 */
		private BigDecimal flatFee = BigDecimal.ZERO;

		public BigDecimal getUpTo() {
			return this.upTo;
		}

		public void setUpTo(BigDecimal upTo) {
			this.upTo = upTo;
		}

		public BigDecimal getUnitPrice() {
			return this.unitPrice;
		}

		public void setUnitPrice(BigDecimal unitPrice) {
			this.unitPrice = unitPrice;
		}

		public BigDecimal getFlatFee() {
			return this.flatFee;
		}

		public void setFlatFee(BigDecimal flatFee) {
			this.flatFee = flatFee;
		}

	}

}
