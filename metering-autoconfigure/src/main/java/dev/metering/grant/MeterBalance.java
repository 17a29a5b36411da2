package dev.metering.grant;

import java.math.BigDecimal;
import java.util.List;

import dev.metering.quota.Enforcement;

import org.jspecify.annotations.Nullable;

/**
 * A tenant's balance of one meter: what its usable grants have left.
 *
 * @param meter the meter
 * @param enforcement {@code HARD} or {@code SOFT} when the meter is grant-backed for the tenant,
 * {@code null} when it only has grants
 * @param balance the sum of what the usable grants have left
 * @param overage usage no grant covered (a soft grant-backed meter's overage, billed as usage)
 * @param grants every grant of the meter, oldest first
 */
public record MeterBalance(String meter, @Nullable Enforcement enforcement, BigDecimal balance, BigDecimal overage,
		List<GrantBalance> grants) {

	public MeterBalance {
		grants = List.copyOf(grants);
	}

}
