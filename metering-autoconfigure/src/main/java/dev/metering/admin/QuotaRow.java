package dev.metering.admin;

import java.math.BigDecimal;

import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;

import org.jspecify.annotations.Nullable;

/**
 * One quota of a plan or tenant as the admin API takes it and the database keeps it; validated by
 * {@link MeteringAdmin} before it is stored.
 *
 * @param meter the limited meter
 * @param window the window
 * @param limit the most usage per window, not negative
 * @param enforcement what happens over the limit
 * @param softThreshold optional fraction of the limit in (0, 1] from which a warning is published
 */
public record QuotaRow(String meter, QuotaWindow window, BigDecimal limit, Enforcement enforcement,
		@Nullable Double softThreshold) {

	/**
	 * The policy of this row.
	 * @param owner the plan or tenant it belongs to (the policy name's first part)
	 * @return the policy
	 */
	public QuotaPolicy toPolicy(String owner) {
		return new QuotaPolicy(owner + "-" + this.meter + "-" + this.window.id(), this.meter, this.limit, this.window,
				this.enforcement, this.softThreshold);
	}

	/** The audit trail's text of this row. */
	String describe() {
		return "limit=" + this.limit.stripTrailingZeros().toPlainString() + " enforcement=" + this.enforcement.id()
				+ ((this.softThreshold != null) ? " soft-threshold=" + this.softThreshold : "");
	}

}
