package dev.metering.admin;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.metering.event.UsageEventValidator;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaWindow;

import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

/**
 * The checks of {@link MeteringAdmin}'s input: each throws {@link InvalidDefinitionException}
 * naming the field.
 */
final class AdminInput {

	private static final Pattern PLAN_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

	static final int MAX_TENANT_ID = 128;

	private AdminInput() {
	}

	static QuotaRow validate(QuotaChange change, MeterDefinitions meters) {
		String meter = requireMeter(change.meter());
		QuotaWindow window = requireWindow(change.window());
		BigDecimal limit = change.limit();
		if (limit == null || limit.signum() < 0) {
			throw new InvalidDefinitionException("limit", limit, "a limit is required and must not be negative");
		}
		// The ledger's bounds, checked without expanding the number (1e2147483647 is valid JSON).
		if (UsageEventValidator.quantityProblem(limit) != null) {
			throw new InvalidDefinitionException("limit", limit, "at most 29 digits before the point and 9 after");
		}
		Enforcement enforcement;
		try {
			enforcement = (change.enforcement() != null) ? Enforcement.of(change.enforcement()) : Enforcement.HARD;
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidDefinitionException("enforcement", change.enforcement(), "use hard, soft or monitor");
		}
		Double threshold = change.softThreshold();
		if (threshold != null && !(threshold > 0 && threshold <= 1)) {
			throw new InvalidDefinitionException("soft-threshold", threshold,
					"a fraction of the limit greater than 0 and at most 1, e.g. 0.8");
		}
		return new QuotaRow(meter, window, limit.stripTrailingZeros(), enforcement, threshold,
				requireFilter(meter, change.filter(), meters), requireThresholds(change.thresholds()));
	}

	/** The most thresholds a quota has. */
	static final int MAX_THRESHOLDS = 10;

	/**
	 * A quota's notification thresholds, each a positive percentage ({@code 80%}) or a positive
	 * amount within the ledger's bounds ({@code 800}), written back without trailing zeros.
	 */
	static List<String> requireThresholds(@Nullable List<String> thresholds) {
		if (thresholds == null || thresholds.isEmpty()) {
			return List.of();
		}
		if (thresholds.size() > MAX_THRESHOLDS) {
			throw new InvalidDefinitionException("thresholds", thresholds.size(),
					"at most " + MAX_THRESHOLDS + " thresholds");
		}
		List<String> valid = new ArrayList<>();
		for (String text : thresholds) {
			String trimmed = (text != null) ? text.trim() : "";
			boolean percent = trimmed.endsWith("%");
			BigDecimal amount;
			try {
				amount = new BigDecimal(percent ? trimmed.substring(0, trimmed.length() - 1).trim() : trimmed);
			}
			catch (NumberFormatException ex) {
				amount = null;
			}
			if (amount == null || amount.signum() <= 0 || UsageEventValidator.quantityProblem(amount) != null) {
				throw new InvalidDefinitionException("thresholds", text,
						"each threshold is a percentage of the limit ('80%') or an amount ('800'), above zero, "
								+ "at most 29 digits before the point and 9 after");
			}
			valid.add(amount.stripTrailingZeros().toPlainString() + (percent ? "%" : ""));
		}
		if (String.join(",", valid).length() > QuotaRow.MAX_THRESHOLDS_COLUMN) {
			throw new InvalidDefinitionException("thresholds", thresholds.size(),
					"the thresholds are too long: at most " + QuotaRow.MAX_THRESHOLDS_COLUMN + " characters together");
		}
		return valid;
	}

	/**
	 * A quota's filter, checked as the configuration's is: each dimension one the meter groups by,
	 * each value given; and a meter whose aggregation a quota can limit.
	 */
	static Map<String, String> requireFilter(String meter, @Nullable Map<String, String> filter,
			MeterDefinitions meters) {
		MeterDefinition definition = meters.find(meter);
		Aggregation aggregation = (definition != null) ? definition.aggregation() : Aggregation.SUM;
		if (aggregation == Aggregation.MIN || aggregation == Aggregation.LATEST) {
			throw new InvalidDefinitionException("meter", meter, "the meter's aggregation is "
					+ aggregation.configName() + ", which has no usage that grows toward a limit");
		}
		if (filter == null || filter.isEmpty()) {
			return Map.of();
		}
		for (Map.Entry<String, String> entry : filter.entrySet()) {
			String field = "filter." + entry.getKey();
			if (definition == null || !definition.groupBy().containsKey(entry.getKey())) {
				throw new InvalidDefinitionException(field, entry.getValue(), "meter '" + meter
						+ "' is not grouped by '" + entry.getKey() + "'" + ((definition == null)
								? " (it has no definition under metering.meters)"
								: " (group-by: " + String.join(", ", definition.groupBy().keySet()) + ")"));
			}
			String value = entry.getValue();
			if (value == null || value.isBlank() || value.length() > MeterDefinition.MAX_VALUE_LENGTH) {
				throw new InvalidDefinitionException(field, value,
						"the dimension's value is required, at most " + MeterDefinition.MAX_VALUE_LENGTH + " characters");
			}
		}
		if (QuotaRow.filterColumnLength(filter) > QuotaRow.MAX_FILTER_COLUMN) {
			throw new InvalidDefinitionException("filter", filter.keySet(),
					"the filter is too long: at most " + QuotaRow.MAX_FILTER_COLUMN + " characters as JSON");
		}
		return filter;
	}

	static String requireMeter(@Nullable String meter) {
		if (meter == null || !UsageEventValidator.isValidMeterName(meter)) {
			throw new InvalidDefinitionException("meter", meter,
					"a meter name is required and must match [a-z0-9][a-z0-9._-]*");
		}
		return meter;
	}

	static String requireFeature(@Nullable String feature) {
		if (feature == null || feature.length() > 64 || !UsageEventValidator.isValidMeterName(feature)) {
			throw new InvalidDefinitionException("feature", feature,
					"a feature name is required, at most 64 characters matching [a-z0-9][a-z0-9._-]*");
		}
		return feature;
	}

	static QuotaWindow requireWindow(@Nullable String window) {
		try {
			return QuotaWindow.of(window);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidDefinitionException("window", window, "use hour, day or month (UTC calendar periods)");
		}
	}

	static String requirePlanName(@Nullable String plan) {
		if (plan == null || !PLAN_NAME.matcher(plan).matches()) {
			throw new InvalidDefinitionException("plan", plan,
					"a plan name is required and must match [a-z0-9][a-z0-9._-]*, at most 64 characters");
		}
		return plan;
	}


	/** A parent or payer: {@code null} (as configured), {@code ""} (none) or a tenant id. */
	static @Nullable String scope(String field, @Nullable String value) {
		if (value == null || value.isEmpty()) {
			return value;
		}
		if (value.isBlank() || value.length() > MAX_TENANT_ID || value.chars().anyMatch(Character::isISOControl)) {
			throw new InvalidDefinitionException(field, value,
					"a tenant id (at most " + MAX_TENANT_ID + " characters), \"\" for none, or null for the configured one");
		}
		return value;
	}

	static String requireTenant(@Nullable String tenantId) {
		String tenant = requireText("tenant", tenantId, MAX_TENANT_ID);
		if (tenant.chars().anyMatch(Character::isISOControl)) {
			throw new InvalidDefinitionException("tenant", tenantId, "must not contain control characters");
		}
		return tenant;
	}

	static String requireText(String field, @Nullable String value, int maxLength) {
		if (!StringUtils.hasText(value) || value.length() > maxLength) {
			throw new InvalidDefinitionException(field, value,
					"required, at most " + maxLength + " characters");
		}
		return value;
	}

}
