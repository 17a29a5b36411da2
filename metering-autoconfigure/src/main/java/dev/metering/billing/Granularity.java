package dev.metering.billing;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

import dev.metering.tenant.BillingCalendar;

/**
 * The bucket size of a usage summary: hours, or days and billing periods of the tenant's
 * {@link BillingCalendar} (the methods without a calendar: UTC days and calendar months).
 */
public enum Granularity {

	/** One bucket per UTC hour. */
	HOUR,

	/** One bucket per UTC day. */
	DAY,

	/** One bucket per calendar month, UTC. */
	MONTH;

	/**
	 * The start of the bucket that contains an instant.
	 * @param at the instant
	 * @return the bucket start
	 */
	public Instant start(Instant at) {
		return switch (this) {
			case HOUR -> at.truncatedTo(ChronoUnit.HOURS);
			case DAY -> at.truncatedTo(ChronoUnit.DAYS);
			case MONTH -> at.atOffset(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).toInstant();
		};
	}

	/**
	 * The start of the bucket that contains an instant, in a tenant's calendar: a day from its
	 * local midnight, a month from its anchor day.
	 * @param at the instant
	 * @param calendar the tenant's calendar
	 * @return the bucket start
	 */
	public Instant start(Instant at, BillingCalendar calendar) {
		return switch (this) {
			case HOUR -> start(at);
			case DAY -> calendar.day(at).start();
			case MONTH -> calendar.period(at).start();
		};
	}

	/**
	 * The start of the bucket after the one starting at {@code start}, in a tenant's calendar.
	 * @param start a bucket start
	 * @param calendar the tenant's calendar
	 * @return the next bucket's start
	 */
	public Instant next(Instant start, BillingCalendar calendar) {
		return switch (this) {
			case HOUR -> next(start);
			case DAY -> calendar.day(start).end();
			case MONTH -> calendar.period(start).end();
		};
	}

	/**
	 * The start of the bucket after the one starting at {@code start}.
	 * @param start a bucket start
	 * @return the next bucket's start
	 */
	public Instant next(Instant start) {
		return switch (this) {
			case HOUR -> start.plus(1, ChronoUnit.HOURS);
			case DAY -> start.plus(1, ChronoUnit.DAYS);
			case MONTH -> start.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
		};
	}

	/**
	 * The granularity of a request parameter.
	 * @param value hour, day or month, any case
	 * @return the granularity
	 * @throws IllegalArgumentException for any other value
	 */
	public static Granularity of(String value) {
		for (Granularity granularity : values()) {
			if (granularity.name().equalsIgnoreCase(value.trim())) {
				return granularity;
			}
		}
		throw new IllegalArgumentException("must be hour, day or month, was '" + value + "'");
	}

	/**
	 * The parameter value.
	 * @return hour, day or month
	 */
	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

}
