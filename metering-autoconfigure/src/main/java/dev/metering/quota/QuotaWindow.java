package dev.metering.quota;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

import dev.metering.tenant.BillingCalendar;

/**
 * The period a quota counts over: an hour, or a day or month of the scope's
 * {@link BillingCalendar} (its local days; its billing periods, from the anchor day). The
 * methods without a calendar count in UTC days and calendar months.
 */
public enum QuotaWindow {

	/** A calendar hour. */
	HOUR,

	/** A day, from the scope's local midnight (UTC by default). */
	DAY,

	/** A billing period: a month from the scope's anchor day (a UTC calendar month by default). */
	MONTH;

	/**
	 * The last window computed per kind: checks of the same window (almost all of them) skip the
	 * calendar arithmetic.
	 */
	private volatile Bounds last;

	/**
	 * The window that contains an instant.
	 * @param at the instant
	 * @return its start (inclusive) and end (exclusive)
	 */
	public Bounds bounds(Instant at) {
		Bounds bounds = this.last;
		if (bounds == null || at.isBefore(bounds.start()) || !at.isBefore(bounds.end())) {
			Instant start = start(at);
			bounds = new Bounds(start, end(start));
			this.last = bounds;
		}
		return bounds;
	}

	/**
	 * The window that contains an instant in a scope's calendar. An hour is the same in every
	 * calendar the kit accepts (their offsets are whole hours).
	 * @param at the instant
	 * @param calendar the scope's calendar
	 * @return its start (inclusive) and end (exclusive)
	 */
	public Bounds bounds(Instant at, BillingCalendar calendar) {
		if (this == HOUR || calendar.isUtc()) {
			return bounds(at);
		}
		BillingCalendar.Window window = (this == DAY) ? calendar.day(at) : calendar.period(at);
		return new Bounds(window.start(), window.end());
	}

	/**
	 * The end of the window that starts at {@code start} in a scope's calendar.
	 * @param start a window start
	 * @param calendar the scope's calendar
	 * @return the exclusive end
	 */
	public Instant end(Instant start, BillingCalendar calendar) {
		if (this == HOUR || calendar.isUtc()) {
			return end(start);
		}
		return ((this == DAY) ? calendar.day(start) : calendar.period(start)).end();
	}

	/**
	 * The start of the window that contains an instant.
	 * @param at the instant
	 * @return the inclusive start
	 */
	public Instant start(Instant at) {
		return switch (this) {
			case HOUR -> at.truncatedTo(ChronoUnit.HOURS);
			case DAY -> at.truncatedTo(ChronoUnit.DAYS);
			case MONTH -> ZonedDateTime.ofInstant(at, ZoneOffset.UTC)
				.truncatedTo(ChronoUnit.DAYS)
				.withDayOfMonth(1)
				.toInstant();
		};
	}

	/**
	 * The end of the window that starts at {@code start}.
	 * @param start a window start
	 * @return the exclusive end: the next window's start
	 */
	public Instant end(Instant start) {
		return switch (this) {
			case HOUR -> start.plus(1, ChronoUnit.HOURS);
			case DAY -> start.plus(1, ChronoUnit.DAYS);
			case MONTH -> ZonedDateTime.ofInstant(start, ZoneOffset.UTC).plusMonths(1).toInstant();
		};
	}

	/**
	 * The length of the window that starts at {@code start} (months differ in length).
	 * @param start a window start
	 * @return the length
	 */
	public Duration length(Instant start) {
		return Duration.between(start, end(start));
	}

	/**
	 * The configuration name.
	 * @return hour, day or month
	 */
	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	/**
	 * One window.
	 *
	 * @param start the inclusive start
	 * @param end the exclusive end
	 */
	public record Bounds(Instant start, Instant end) {
	}

	/**
	 * The window of a configuration value.
	 * @param value hour, day or month, any case
	 * @return the window
	 * @throws IllegalArgumentException for any other value
	 */
	public static QuotaWindow of(String value) {
		for (QuotaWindow window : values()) {
			if (window.id().equalsIgnoreCase(value == null ? "" : value.trim())) {
				return window;
			}
		}
		throw new IllegalArgumentException("unknown window '" + value + "': use hour, day or month");
	}

}
