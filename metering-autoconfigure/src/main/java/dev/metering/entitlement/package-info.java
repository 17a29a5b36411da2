/**
 * Features per plan: {@code @Entitled} on controller and bean methods, {@link
 * dev.metering.entitlement.EntitlementService} for Java code, and the 403 of a feature the
 * tenant's plan does not include.
 */
@NullMarked
package dev.metering.entitlement;

import org.jspecify.annotations.NullMarked;
