package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What one rollup run adds to one hourly rollup row.
 *
 * @param tenantId the tenant
 * @param meter the meter
 * @param billingScopeId the billing scope
 * @param periodStart the UTC hour
 * @param quantity the quantity to add
 * @param eventCount the events to add
 */
record RollupDelta(String tenantId, String meter, String billingScopeId, Instant periodStart,
		BigDecimal quantity, long eventCount) {

}
