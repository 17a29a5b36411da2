package dev.metering.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.metering.billing.InvalidBillingConfigurationException;
import dev.metering.billing.MeterPrice;
import dev.metering.billing.PlanPricing;
import dev.metering.billing.PlanPricingSource;
import dev.metering.billing.PriceTier;
import dev.metering.event.UsageEventValidator;

/**
 * Turns {@code metering.billing.plans} into {@link PlanPricing}s, once at start-up: a wrong
 * price stops the application with a message naming the property.
 */
final class BillingPropertiesMapper {

	private BillingPropertiesMapper() {
	}

	static PlanPricingSource pricing(MeteringBillingProperties properties) {
		Map<String, PlanPricing> plans = new LinkedHashMap<>();
		properties.getPlans().forEach((name, plan) -> plans.put(name, plan(name, plan)));
		return (plan) -> Optional.ofNullable(plans.get(plan));
	}

	private static PlanPricing plan(String name, MeteringBillingProperties.PlanPrices plan) {
		String property = "metering.billing.plans." + name;
		if (plan.getCurrency() == null) {
			throw new InvalidBillingConfigurationException(property + ".currency", "must be set (ISO 4217, e.g. EUR)");
		}
		List<MeterPrice> prices = new ArrayList<>();
		for (int i = 0; i < plan.getPrices().size(); i++) {
			prices.add(price(property + ".prices[" + i + "]", plan.getPrices().get(i)));
		}
		try {
			return new PlanPricing(name, plan.getCurrency(), plan.getBaseFee(), prices);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidBillingConfigurationException(property, ex.getMessage());
		}
	}

	private static MeterPrice price(String property, MeteringBillingProperties.Price price) {
		if (!UsageEventValidator.isValidMeterName(price.getMeter())) {
			throw new InvalidBillingConfigurationException(property + ".meter",
					"must be a meter name ([a-z0-9][a-z0-9._-]*), was '" + price.getMeter() + "'");
		}
		List<PriceTier> tiers = new ArrayList<>();
		for (int i = 0; i < price.getTiers().size(); i++) {
			MeteringBillingProperties.Tier tier = price.getTiers().get(i);
			try {
				if (tier.getUnitPrice() == null) {
					throw new IllegalArgumentException("unit-price must be set");
				}
				tiers.add(new PriceTier(tier.getUpTo(), tier.getUnitPrice(), tier.getFlatFee()));
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidBillingConfigurationException(property + ".tiers[" + i + "]", ex.getMessage());
			}
		}
		try {
			return new MeterPrice(price.getMeter(), price.getIncluded(), price.getModel(), price.getUnitPrice(),
					price.getPackageSize(), tiers);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidBillingConfigurationException(property, ex.getMessage());
		}
	}

}
