package dev.metering.quota;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What the check of one scope of a lineage found.
 *
 * @param usages the state of every policy of the scope
 * @param violated the hard policies the call would pass
 * @param known whether every usage could be read (or leased)
 * @param reservation what the scope holds for the call, {@code null} when nothing
 * @param warnings warning events to publish
 * @param warn whether a warning level is passed
 */
record ScopeCheck(List<PolicyUsage> usages, List<PolicyUsage> violated, boolean known,
		Reservation.@Nullable Part reservation, List<QuotaWarningEvent> warnings, boolean warn) {
}
