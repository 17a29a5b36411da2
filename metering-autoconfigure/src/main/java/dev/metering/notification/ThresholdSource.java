package dev.metering.notification;

import java.util.List;

import dev.metering.quota.QuotaPolicy;

/**
 * The thresholds of a tenant's quota. The kit reads {@code metering.plans.<plan>.quotas[i].thresholds}
 * and {@code metering.tenants.<tenant>.quotas[i].thresholds}; declare a bean of this type to
 * take them from elsewhere.
 */
@FunctionalInterface
public interface ThresholdSource {

	/**
	 * The thresholds of a quota.
	 * @param tenant the tenant
	 * @param policy one of its quotas
	 * @return its thresholds, empty when none
	 */
	List<Threshold> thresholdsOf(String tenant, QuotaPolicy policy);

	/**
	 * Whether any quota may have thresholds now: while not, the threshold watcher collects and
	 * checks nothing (and emits no {@code quota.exceeded}). Called after each ledger write, so cheap.
	 * @return {@code true} unless no quota has thresholds
	 */
	default boolean any() {
		return true;
	}

}
