package dev.metering.grant;

import java.math.BigDecimal;

/**
 * One grant and what is left of it.
 *
 * @param grant the grant
 * @param used what usage burned of it
 * @param remaining what is left ({@code amount - used}); what an ended grant had left is lost
 * @param state {@code pending} (not effective yet), {@code active}, {@code depleted},
 * {@code expired} or {@code voided}
 */
public record GrantBalance(Grant grant, BigDecimal used, BigDecimal remaining, String state) {
}
