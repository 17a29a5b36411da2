package dev.metering.billing;

import java.time.Instant;

/**
 * The billing calendar: which period of a billing scope an instant falls in. Closing periods
 * into invoices asks only this, so a calendar per tenant (its time zone and anchor day) is a
 * bean of this type; by default every scope bills calendar months in UTC.
 */
@FunctionalInterface
public interface BillingPeriods {

	/**
	 * The period of a billing scope that contains an instant.
	 * @param billingScope the paying tenant
	 * @param at the instant
	 * @return the period, {@code from <= at < to}
	 */
	BillingPeriod periodOf(String billingScope, Instant at);

	/**
	 * Calendar months in UTC for every scope.
	 * @return the calendar
	 */
	static BillingPeriods utcMonths() {
		return (billingScope, at) -> BillingPeriod.monthOf(at);
	}

}
