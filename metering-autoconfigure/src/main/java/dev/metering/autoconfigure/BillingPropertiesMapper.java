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
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@code metering.billing.plans} into {@link PlanPricing}s, once at start-up: a wrong
 * price stops the application with a message naming the property.
 */
final class BillingPropertiesMapper {

	private BillingPropertiesMapper() {
	}

	static PlanPricingSource pricing(MeteringBillingProperties properties, MeterDefinitions meters) {
		Map<String, PlanPricing> plans = new LinkedHashMap<>();
		properties.getPlans().forEach((name, plan) -> plans.put(name, plan(name, plan, meters)));
		return (plan) -> Optional.ofNullable(plans.get(plan));
	}

	private static PlanPricing plan(String name, MeteringBillingProperties.PlanPrices plan, MeterDefinitions meters) {
		String property = "metering.billing.plans." + name;
		if (plan.getCurrency() == null) {
			throw new InvalidBillingConfigurationException(property + ".currency", "must be set (ISO 4217, e.g. EUR)");
		}
		List<MeterPrice> prices = new ArrayList<>();
		for (int i = 0; i < plan.getPrices().size(); i++) {
			prices.add(price(property + ".prices[" + i + "]", plan.getPrices().get(i), meters));
		}
		try {
			return new PlanPricing(name, plan.getCurrency(), plan.getBaseFee(), prices);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidBillingConfigurationException(property, ex.getMessage());
		}
	}

	private static MeterPrice price(String property, MeteringBillingProperties.Price price, MeterDefinitions meters) {
		if (!UsageEventValidator.isValidMeterName(price.getMeter())) {
			throw new InvalidBillingConfigurationException(property + ".meter",
					"must be a meter name ([a-z0-9][a-z0-9._-]*), was '" + price.getMeter() + "'");
		}
		checkFilter(property, price, meters.find(price.getMeter()));
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
					price.getPackageSize(), tiers, price.getFilter());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidBillingConfigurationException(property, ex.getMessage());
		}
	}

	/** A filter names dimensions of the meter's group-by, each with a value a group can have. */
	private static void checkFilter(String property, MeteringBillingProperties.Price price,
			@Nullable MeterDefinition definition) {
		for (Map.Entry<String, String> entry : price.getFilter().entrySet()) {
			String at = property + ".filter." + entry.getKey();
			if (definition == null) {
				throw new InvalidBillingConfigurationException(at, "meter '" + price.getMeter()
						+ "' has no definition in metering.meters, so no dimensions to filter by");
			}
			if (!definition.groupBy().containsKey(entry.getKey())) {
				throw new InvalidBillingConfigurationException(at, "'" + entry.getKey() + "' is not a dimension of meter '"
						+ price.getMeter() + "'; its group-by is " + definition.groupBy().keySet());
			}
			String value = entry.getValue();
			if (value == null || value.isEmpty() || value.length() > MeterDefinition.MAX_VALUE_LENGTH) {
				throw new InvalidBillingConfigurationException(at,
						"must be a value of 1 to " + MeterDefinition.MAX_VALUE_LENGTH + " characters");
			}
		}
	}

}
