package dev.metering.billing;

import java.time.Instant;
import java.util.List;

/**
 * Prepaid credits in money (money grants): what of a period's priced charges they pay. The kit's
 * money grants implement it ({@code dev.metering.grant.MoneyGrants}); a report without them
 * applies none.
 */
@FunctionalInterface
public interface MoneyCredits {

	/** No money credits. */
	MoneyCredits NONE = (billingScope, charges, periods) -> List.of();

	/**
	 * The money credits a period's charges get.
	 * @param billingScope the paying tenant (whose money grants apply)
	 * @param charges the period's report before money credits (its lines after unit credits)
	 * @param periods the scope's earlier periods, to work out what the grants paid before
	 * @return the credits, one per grant and line it paid, in the order applied
	 */
	List<BillingReport.MoneyCredit> applied(String billingScope, BillingReport charges, PeriodCharges periods);

	/** A scope's periods and their charges before money credits. */
	interface PeriodCharges {

		/**
		 * The period that contains an instant.
		 * @param at the instant
		 * @return the period
		 */
		BillingPeriod periodOf(Instant at);

		/**
		 * A period's report before money credits.
		 * @param period the period
		 * @return the report
		 * @throws BillingException when the scope has no priced plan in it
		 */
		BillingReport charges(BillingPeriod period);

	}

}
