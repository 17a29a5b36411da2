package dev.metering.console;

import java.math.BigDecimal;
import java.time.Clock;

import dev.metering.billing.BillingPeriod;
import dev.metering.billing.Granularity;
import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;

/**
 * The console's request parameters, checked: a wrong one is a 400 naming the field, before
 * anything is read or changed.
 */
final class ConsoleInput {

	private ConsoleInput() {
	}

	static String tenantId(@Nullable String tenant) {
		if (tenant == null || !UsageEventValidator.isStorableId(tenant)) {
			throw ConsoleException.badRequest("tenant", "must be 1.." + UsageEventValidator.MAX_ID_LENGTH
					+ " characters, no control character");
		}
		return tenant;
	}

	static Granularity granularity(@Nullable String value) {
		if (blank(value)) {
			return Granularity.DAY;
		}
		try {
			return Granularity.of(value);
		}
		catch (IllegalArgumentException ex) {
			throw ConsoleException.badRequest("granularity", ex.getMessage());
		}
	}

	static BillingPeriod period(@Nullable String value, Clock clock) {
		if (blank(value)) {
			return BillingPeriod.monthOf(clock.instant());
		}
		try {
			return BillingPeriod.parseMonth(value.trim());
		}
		catch (IllegalArgumentException ex) {
			throw ConsoleException.badRequest("period", ex.getMessage());
		}
	}

	static BigDecimal decimal(String field, @Nullable String value) {
		if (blank(value)) {
			throw ConsoleException.badRequest(field, "is required");
		}
		try {
			BigDecimal number = new BigDecimal(value.trim());
			if (number.precision() - number.scale() > 30 || number.scale() > 30) {
				throw ConsoleException.badRequest(field, "has too many digits");
			}
			return number;
		}
		catch (NumberFormatException ex) {
			throw ConsoleException.badRequest(field, "must be a number, was '" + UsageEventValidator.abbreviate(value) + "'");
		}
	}

	static boolean blank(@Nullable String value) {
		return value == null || value.isBlank();
	}

}
