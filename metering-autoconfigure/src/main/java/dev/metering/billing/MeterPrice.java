package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The price of one meter in a plan: an included quantity per billing period, and a model that
 * prices the rest.
 * <p>
 * Quantities keep all their decimals (the ledger's nine) through the computation; only the line
 * amount is rounded, once, to the currency's scale.
 *
 * @param meter the priced meter
 * @param included the quantity per billing period that costs nothing, zero when none
 * @param model the pricing model
 * @param unitPrice the price of one unit ({@link PricingModel#PER_UNIT}) or of one package
 * ({@link PricingModel#PACKAGE}); unused by the tiered models
 * @param packageSize the units per package ({@link PricingModel#PACKAGE} only)
 * @param tiers the tiers in ascending order, the last one unbounded (tiered models only)
 * @param filter the dimension values of the usage this price bills (e.g. {@code model=gpt-4o}),
 * empty for all of the meter's usage; only a defined meter's group-by dimensions can be filtered
 */
public record MeterPrice(String meter, BigDecimal included, PricingModel model, @Nullable BigDecimal unitPrice,
		@Nullable BigDecimal packageSize, List<PriceTier> tiers, Map<String, String> filter) {

	public MeterPrice {
		tiers = List.copyOf(tiers);
		filter = Collections.unmodifiableMap(new LinkedHashMap<>(filter));
		if (included.signum() < 0) {
			throw new IllegalArgumentException("included must not be negative, was " + included.toPlainString());
		}
		switch (model) {
			case PER_UNIT -> requireUnitPrice(unitPrice);
			case PACKAGE -> {
				requireUnitPrice(unitPrice);
				if (packageSize == null || packageSize.signum() <= 0) {
					throw new IllegalArgumentException("package-size must be positive for the package model");
				}
			}
			case GRADUATED, VOLUME -> validateTiers(tiers);
		}
	}

	/**
	 * A price of all of a meter's usage.
	 * @param meter the priced meter
	 * @param included the included quantity
	 * @param model the pricing model
	 * @param unitPrice the unit or package price
	 * @param packageSize the units per package
	 * @param tiers the tiers
	 */
	public MeterPrice(String meter, BigDecimal included, PricingModel model, @Nullable BigDecimal unitPrice,
			@Nullable BigDecimal packageSize, List<PriceTier> tiers) {
		this(meter, included, model, unitPrice, packageSize, tiers, Map.of());
	}

	/**
	 * A per-unit price.
	 * @param meter the meter
	 * @param included the included quantity
	 * @param unitPrice the unit price
	 * @return the price
	 */
	public static MeterPrice perUnit(String meter, BigDecimal included, BigDecimal unitPrice) {
		return new MeterPrice(meter, included, PricingModel.PER_UNIT, unitPrice, null, List.of());
	}

	/**
	 * Prices a period's usage of this meter.
	 * @param quantity the usage in the period, not negative
	 * @param scale the currency's scale (fraction digits) the amount is rounded to
	 * @param rounding how the amount is rounded
	 * @return the charge
	 */
	public Charge charge(BigDecimal quantity, int scale, RoundingMode rounding) {
		BigDecimal billable = quantity.subtract(this.included).max(BigDecimal.ZERO);
		BigDecimal exact = switch (this.model) {
			case PER_UNIT -> billable.multiply(this.unitPrice);
			case PACKAGE -> packages(billable).multiply(this.unitPrice);
			case GRADUATED -> graduated(billable);
			case VOLUME -> volume(billable);
		};
		return new Charge(quantity, this.included.min(quantity), billable, exact.setScale(scale, rounding));
	}

	/**
	 * The number of packages a billable quantity needs: a started package counts in full.
	 * @param billable the billable quantity
	 * @return the packages
	 */
	public BigDecimal packages(BigDecimal billable) {
		return billable.divide(this.packageSize, 0, RoundingMode.CEILING);
	}

	private BigDecimal graduated(BigDecimal billable) {
		BigDecimal amount = BigDecimal.ZERO;
		BigDecimal lower = BigDecimal.ZERO;
		for (PriceTier tier : this.tiers) {
			if (billable.compareTo(lower) <= 0) {
				break;
			}
			BigDecimal upper = (tier.upTo() != null) ? billable.min(tier.upTo()) : billable;
			amount = amount.add(upper.subtract(lower).multiply(tier.unitPrice())).add(tier.flatFee());
			if (tier.upTo() == null) {
				break;
			}
			lower = tier.upTo();
		}
		return amount;
	}

	private BigDecimal volume(BigDecimal billable) {
		if (billable.signum() == 0) {
			return BigDecimal.ZERO;
		}
		for (PriceTier tier : this.tiers) {
			if (tier.upTo() == null || billable.compareTo(tier.upTo()) <= 0) {
				return billable.multiply(tier.unitPrice()).add(tier.flatFee());
			}
		}
		throw new IllegalStateException("the last tier is unbounded");
	}

	private static void requireUnitPrice(@Nullable BigDecimal unitPrice) {
		if (unitPrice == null || unitPrice.signum() < 0) {
			throw new IllegalArgumentException("unit-price must be set and not negative");
		}
	}

	private static void validateTiers(List<PriceTier> tiers) {
		if (tiers.isEmpty()) {
			throw new IllegalArgumentException("tiers must not be empty for a tiered model");
		}
		List<BigDecimal> bounds = new ArrayList<>();
		for (int i = 0; i < tiers.size(); i++) {
			BigDecimal upTo = tiers.get(i).upTo();
			boolean last = i == tiers.size() - 1;
			if (last != (upTo == null)) {
				throw new IllegalArgumentException("only the last tier must leave up-to unset (tier " + i + ")");
			}
			if (upTo != null) {
				if (!bounds.isEmpty() && upTo.compareTo(bounds.get(bounds.size() - 1)) <= 0) {
					throw new IllegalArgumentException("tiers' up-to must ascend (tier " + i + ")");
				}
				bounds.add(upTo);
			}
		}
	}

	/**
	 * A period's usage of a meter, priced.
	 *
	 * @param quantity the usage
	 * @param included the part of it that was included (at most the included quantity)
	 * @param billable the overage: usage above the included quantity
	 * @param amount the charge, rounded to the currency's scale
	 */
	public record Charge(BigDecimal quantity, BigDecimal included, BigDecimal billable, BigDecimal amount) {
	}

}
