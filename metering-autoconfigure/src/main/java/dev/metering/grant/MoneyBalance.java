package dev.metering.grant;

import java.math.BigDecimal;
import java.util.List;

/**
 * A tenant's money grants of one currency and what they have left.
 *
 * @param currency the ISO 4217 code
 * @param balance what the money grants usable now have left
 * @param grants every money grant of the currency, oldest first, with {@code used} (what it paid
 * of the bills so far, this period's charges included) and {@code remaining}
 */
public record MoneyBalance(String currency, BigDecimal balance, List<GrantBalance> grants) {

	public MoneyBalance {
		grants = List.copyOf(grants);
	}

}
