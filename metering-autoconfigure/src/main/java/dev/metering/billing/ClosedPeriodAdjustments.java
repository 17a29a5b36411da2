package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import dev.metering.internal.sql.CorrectionSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantCalendars;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The adjustment lines of a report: corrections of events whose period had closed count at the
 * time they were made (so the closed period's figures never change), and the report of the
 * period they count in bills them apart from its own usage, per meter and corrected period,
 * at what they change in the corrected period's charge.
 */
final class ClosedPeriodAdjustments {

	private final JdbcTemplate jdbc;

	private final Supplier<LedgerDatabase> database;

	private final String prefix;

	private final UsageReader usage;

	private final TenantCalendars calendars;

	ClosedPeriodAdjustments(JdbcTemplate jdbc, Supplier<LedgerDatabase> database, String prefix, UsageReader usage,
			TenantCalendars calendars) {
		this.calendars = calendars;
		this.jdbc = jdbc;
		this.database = database;
		this.prefix = prefix;
		this.usage = usage;
	}

	/** The moved corrections billed to a scope that a report of the period needs. */
	List<Moved> moved(String scope, BillingPeriod period) {
		LedgerDatabase database = this.database.get();
		CorrectionSql sql = database.sql(this.prefix).corrections();
		return this.jdbc.query(sql.movedCorrections,
				(rs, n) -> new Moved(rs.getString(1), rs.getBigDecimal(2), database.readTimestamp(rs, 3),
						database.readTimestamp(rs, 4)),
				scope, database.timestamp(period.to()), database.timestamp(period.from()));
	}

	/** What the moved corrections made in the period add to a meter's usage there. */
	static BigDecimal madeIn(List<Moved> moved, String meter, BillingPeriod period) {
		BigDecimal sum = BigDecimal.ZERO;
		for (Moved row : moved) {
			if (row.meter().equals(meter) && within(period, row.at())) {
				sum = sum.add(row.quantity());
			}
		}
		return sum;
	}

	/**
	 * The adjustment lines of one price: per closed month whose events were corrected in the
	 * period, the charge of its usage with the corrections up to this period's end minus the
	 * charge with those made before.
	 */
	List<BillingReport.Adjustment> of(String scope, MeterPrice price, BillingPeriod period, List<Moved> moved,
			int scale, RoundingMode rounding) {
		Map<BillingPeriod, BigDecimal> changes = new TreeMap<>(Comparator.comparing(BillingPeriod::from));
		for (Moved row : moved) {
			if (row.meter().equals(price.meter()) && within(period, row.at())) {
				// The corrected event's period in the scope's calendar (its time zone and anchor day).
				changes.merge(BillingPeriod.of(this.calendars.calendarOf(scope).period(row.eventAt())), row.quantity(),
						BigDecimal::add);
			}
		}
		List<BillingReport.Adjustment> adjustments = new ArrayList<>();
		changes.forEach((adjusted, change) -> {
			// The closed period as billed: its usage without what was moved into it from before.
			BigDecimal base = this.usage.billingScopeUsage(scope, price.meter(), adjusted.from(), adjusted.to())
				.subtract(madeIn(moved.stream().filter((row) -> row.eventAt().isBefore(adjusted.from())).toList(),
						price.meter(), adjusted));
			for (Moved row : moved) {
				if (row.meter().equals(price.meter()) && within(adjusted, row.eventAt())
						&& row.at().isBefore(period.from())) {
					base = base.add(row.quantity());
				}
			}
			BigDecimal amount = price.charge(base.add(change), scale, rounding)
				.amount()
				.subtract(price.charge(base, scale, rounding).amount());
			adjustments.add(new BillingReport.Adjustment(price.meter(), adjusted, change, amount));
		});
		return adjustments;
	}

	private static boolean within(BillingPeriod period, Instant at) {
		return !at.isBefore(period.from()) && at.isBefore(period.to());
	}

	/**
	 * A correction that moved out of its event's closed period.
	 *
	 * @param meter the meter
	 * @param quantity what it changes
	 * @param at when it counts (when it was made)
	 * @param eventAt when the corrected event occurred
	 */
	record Moved(String meter, BigDecimal quantity, Instant at, Instant eventAt) {
	}

}
