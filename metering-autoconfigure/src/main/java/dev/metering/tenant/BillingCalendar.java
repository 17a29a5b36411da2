package dev.metering.tenant;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneOffsetTransitionRule;
import java.time.zone.ZoneRules;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A billing scope's calendar: the time zone its days start in and the anchor day its billing
 * periods start on (a period runs from the anchor day's local midnight to the next month's; an
 * anchor past a month's last day is clamped to that last day, as Stripe and Lago do). Billing
 * periods, daily and monthly quota windows and the usage API's {@code day} and {@code month}
 * buckets follow it; the rollups stay hourly in UTC.
 * <p>
 * Only zones whose offset is a whole number of hours (since 2000 and by their current rules) are
 * accepted: an hourly rollup cannot be split, so a day starting at xx:30 UTC could not be counted
 * exactly. {@link #of} refuses the others ({@code America/St_Johns}, {@code Asia/Kathmandu}).
 * <p>
 * The day and the period computed last are kept, so a check in the same window (almost every
 * one) costs a volatile read and two comparisons and allocates nothing.
 */
public final class BillingCalendar {

	/** UTC days, calendar months: the calendar of a scope that sets none. */
	public static final BillingCalendar UTC = new BillingCalendar(ZoneOffset.UTC, 1);

	private static final Instant RULES_SINCE = Instant.parse("2000-01-01T00:00:00Z");

	private final ZoneId zone;

	private final int anchorDay;

	private volatile @Nullable Window lastDay;

	private volatile @Nullable Window lastPeriod;

	private BillingCalendar(ZoneId zone, int anchorDay) {
		this.zone = zone;
		this.anchorDay = anchorDay;
	}

	/**
	 * A calendar.
	 * @param zone the time zone, whole hours from UTC
	 * @param anchorDay the day of the month periods start on, 1 to 31
	 * @return the calendar
	 * @throws IllegalArgumentException when the anchor is out of range or the zone has an offset
	 * that is not whole hours
	 */
	public static BillingCalendar of(ZoneId zone, int anchorDay) {
		if (anchorDay < 1 || anchorDay > 31) {
			throw new IllegalArgumentException("the anchor day is 1 to 31, was " + anchorDay);
		}
		ZoneOffset partHour = partHourOffset(zone);
		if (partHour != null) {
			throw new IllegalArgumentException("time zone '" + zone.getId() + "' has the offset " + partHour
					+ ", not whole hours: hourly rollups cannot be split at its midnight");
		}
		if (anchorDay == 1 && ZoneOffset.UTC.equals(zone.normalized())) {
			return UTC;
		}
		return new BillingCalendar(zone, anchorDay);
	}

	/**
	 * A calendar from configuration text.
	 * @param zone a time zone id ({@code Europe/Berlin}, {@code +02:00}), blank for UTC
	 * @param anchorDay the anchor day, {@code null} for 1
	 * @return the calendar
	 * @throws IllegalArgumentException when the zone is unknown or refused, or the anchor out of range
	 */
	public static BillingCalendar parse(@Nullable String zone, @Nullable Integer anchorDay) {
		ZoneId id;
		try {
			id = (zone == null || zone.isBlank()) ? ZoneOffset.UTC : ZoneId.of(zone.trim());
		}
		catch (DateTimeException ex) {
			throw new IllegalArgumentException("unknown time zone '" + zone + "'");
		}
		return of(id, (anchorDay != null) ? anchorDay : 1);
	}

	/**
	 * The time zone.
	 * @return the zone
	 */
	public ZoneId zone() {
		return this.zone;
	}

	/**
	 * The day of the month billing periods start on (clamped to shorter months' last day).
	 * @return 1 to 31
	 */
	public int anchorDay() {
		return this.anchorDay;
	}

	/**
	 * Whether this is the default: UTC calendar months.
	 * @return {@code true} for UTC with anchor 1
	 */
	public boolean isUtc() {
		return this == UTC;
	}

	/**
	 * The local day that contains an instant.
	 * @param at the instant
	 * @return from its local midnight to the next
	 */
	public Window day(Instant at) {
		Window day = this.lastDay;
		if (day == null || at.isBefore(day.start()) || !at.isBefore(day.end())) {
			LocalDate date = LocalDate.ofInstant(at, this.zone);
			day = new Window(midnight(date), midnight(date.plusDays(1)));
			this.lastDay = day;
		}
		return day;
	}

	/**
	 * The billing period that contains an instant.
	 * @param at the instant
	 * @return from the anchor day's local midnight to the next period's
	 */
	public Window period(Instant at) {
		Window period = this.lastPeriod;
		if (period == null || at.isBefore(period.start()) || !at.isBefore(period.end())) {
			LocalDate date = LocalDate.ofInstant(at, this.zone);
			YearMonth month = YearMonth.from(date);
			if (date.isBefore(anchorIn(month))) {
				month = month.minusMonths(1);
			}
			period = periodStartingIn(month);
			this.lastPeriod = period;
		}
		return period;
	}

	/**
	 * The billing period that starts in a month (on its anchor day, clamped).
	 * @param month the month
	 * @return the period
	 */
	public Window periodStartingIn(YearMonth month) {
		return new Window(midnight(anchorIn(month)), midnight(anchorIn(month.plusMonths(1))));
	}

	/**
	 * The date a month's period starts on: the anchor day, or the month's last day when shorter.
	 * @param month the month
	 * @return the date
	 */
	public LocalDate anchorIn(YearMonth month) {
		return month.atDay(Math.min(this.anchorDay, month.lengthOfMonth()));
	}

	private Instant midnight(LocalDate date) {
		// A zone that moves its clocks at midnight starts that day at the first valid local time.
		return date.atStartOfDay(this.zone).toInstant();
	}

	/**
	 * The first offset of a zone that is not whole hours, since 2000 or by its current rules.
	 * @param zone the zone
	 * @return the offset, {@code null} when every one is whole hours
	 */
	static @Nullable ZoneOffset partHourOffset(ZoneId zone) {
		ZoneRules rules = zone.getRules();
		ZoneOffset first = rules.getOffset(RULES_SINCE);
		if (!isWholeHours(first)) {
			return first;
		}
		for (ZoneOffsetTransition transition : rules.getTransitions()) {
			if (transition.getInstant().isAfter(RULES_SINCE) && !isWholeHours(transition.getOffsetAfter())) {
				return transition.getOffsetAfter();
			}
		}
		for (ZoneOffsetTransitionRule rule : rules.getTransitionRules()) {
			for (ZoneOffset offset : new ZoneOffset[] { rule.getOffsetBefore(), rule.getOffsetAfter(),
					rule.getStandardOffset() }) {
				if (!isWholeHours(offset)) {
					return offset;
				}
			}
		}
		return null;
	}

	private static boolean isWholeHours(ZoneOffset offset) {
		return offset.getTotalSeconds() % 3600 == 0;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (other instanceof BillingCalendar calendar) && this.anchorDay == calendar.anchorDay
				&& this.zone.equals(calendar.zone);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.zone, this.anchorDay);
	}

	@Override
	public String toString() {
		return this.zone.getId() + ", anchor day " + this.anchorDay;
	}

	/**
	 * A day or a billing period.
	 *
	 * @param start the inclusive start, a local midnight (on a whole UTC hour)
	 * @param end the exclusive end
	 */
	public record Window(Instant start, Instant end) {
	}

}
