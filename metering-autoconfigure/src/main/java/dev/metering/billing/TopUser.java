package dev.metering.billing;

import java.math.BigDecimal;

/**
 * One of a tenant's heaviest users of a meter in a period.
 *
 * @param userId the user
 * @param quantity the user's usage
 * @param events the number of ledger events
 */
public record TopUser(String userId, BigDecimal quantity, long events) {
}
