package dev.metering.billing;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * A billing period {@code [from, to)} on whole UTC hours, by default a calendar month in UTC
 * (the rollups' resolution is one hour, so a report never splits an hour).
 *
 * @param from the inclusive start, on a whole hour
 * @param to the exclusive end, on a whole hour, after {@code from}
 */
public record BillingPeriod(Instant from, Instant to) {

	public BillingPeriod {
		if (!from.truncatedTo(ChronoUnit.HOURS).equals(from) || !to.truncatedTo(ChronoUnit.HOURS).equals(to)) {
			throw new IllegalArgumentException("a billing period starts and ends on whole UTC hours");
		}
		if (!from.isBefore(to)) {
			throw new IllegalArgumentException("a billing period's end must be after its start");
		}
	}

	/**
	 * A period of a scope's calendar.
	 * @param window a billing period or day of a {@link dev.metering.tenant.BillingCalendar}
	 * @return the period
	 */
	public static BillingPeriod of(dev.metering.tenant.BillingCalendar.Window window) {
		return new BillingPeriod(window.start(), window.end());
	}

	/**
	 * A calendar month in UTC.
	 * @param month the month
	 * @return the period
	 */
	public static BillingPeriod month(YearMonth month) {
		return new BillingPeriod(month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC),
				month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
	}

	/**
	 * The calendar month in UTC that contains an instant.
	 * @param at the instant
	 * @return the period
	 */
	public static BillingPeriod monthOf(Instant at) {
		return month(YearMonth.from(at.atOffset(ZoneOffset.UTC)));
	}

	/**
	 * A calendar month given as {@code yyyy-MM}.
	 * @param month the month, e.g. {@code 2026-11}
	 * @return the period
	 * @throws IllegalArgumentException when the text is not a month
	 */
	public static BillingPeriod parseMonth(String month) {
		try {
			return month(YearMonth.parse(month));
		}
		catch (DateTimeParseException ex) {
			String shown = (month.length() > 32) ? month.substring(0, 32) + "... (" + month.length() + " characters)" : month;
			throw new IllegalArgumentException("must be a month as yyyy-MM, was '" + shown + "'");
		}
	}

}
