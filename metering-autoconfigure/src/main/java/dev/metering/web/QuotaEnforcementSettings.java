package dev.metering.web;

import java.net.URI;

import org.jspecify.annotations.Nullable;

/**
 * How the filter enforces quotas.
 *
 * @param problemType the {@code type} of the 429 problem body
 * @param releaseOnFailure whether a failed request (5xx or exception) gives its quota back and
 * is not recorded
 * @param rejectedMeter the meter rejected requests are recorded under, or {@code null} for none
 */
public record QuotaEnforcementSettings(URI problemType, boolean releaseOnFailure, @Nullable String rejectedMeter) {

}
