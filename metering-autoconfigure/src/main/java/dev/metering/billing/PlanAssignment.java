package dev.metering.billing;

import java.time.Instant;

/**
 * A plan a billing scope is on from an instant until its next assignment.
 *
 * @param plan the plan name
 * @param effectiveFrom when it takes effect (a whole hour)
 */
public record PlanAssignment(String plan, Instant effectiveFrom) {
}
