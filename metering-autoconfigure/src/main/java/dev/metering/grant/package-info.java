/**
 * Grants (prepaid credits): amounts of a meter's units a tenant may use, burned down in priority
 * then expiry order; grant-backed meters whose balance is a hard (or soft) quota leased like any
 * other, so it is never overdrawn on any number of instances; money grants that pay the billing
 * report's charges ({@link dev.metering.grant.MoneyGrants}).
 */
@NullMarked
package dev.metering.grant;

import org.jspecify.annotations.NullMarked;
