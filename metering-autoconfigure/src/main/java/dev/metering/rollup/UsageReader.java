package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Usage written to the ledger, as quota enforcement and billing read it.
 * <p>
 * Contract: the result is the exact sum of {@code quantity} of every ledger row of the tenant
 * (or billing scope) and meter whose {@code occurred_at} is in {@code [from, to)}, as of the
 * call. Implementations may read rollups for the folded part of the ledger, but must add
 * the rows not yet folded, so a row is never missed or counted twice.
 */
public interface UsageReader {

	/**
	 * Usage of one tenant.
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param from inclusive start
	 * @param to exclusive end
	 * @return the summed quantity, zero when there is none
	 */
	BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to);

	/**
	 * Usage of many tenants in the same meter and window, under the same contract as
	 * {@link #tenantUsage} for each: what enforcement reads for a batch of tenants it has not
	 * seen before. The kit's readers answer with a fixed number of statements per batch; this
	 * default asks {@link #tenantUsage} once per tenant.
	 * @param tenantIds the tenants
	 * @param meter the meter
	 * @param from inclusive start
	 * @param to exclusive end
	 * @return the summed quantity of each tenant, zero when there is none
	 */
	default Map<String, BigDecimal> tenantUsages(Collection<String> tenantIds, String meter, Instant from,
			Instant to) {
		Map<String, BigDecimal> usages = new LinkedHashMap<>();
		for (String tenantId : tenantIds) {
			usages.put(tenantId, tenantUsage(tenantId, meter, from, to));
		}
		return usages;
	}

	/**
	 * Usage billed to one billing scope.
	 * @param billingScopeId the billing scope (the paying tenant)
	 * @param meter the meter
	 * @param from inclusive start
	 * @param to exclusive end
	 * @return the summed quantity, zero when there is none
	 */
	BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to);

}
