/**
 * The opt-in usage HTTP API ({@code metering.api.enabled=true}): events ingest, usage
 * summaries, quota status and billing reports, with the field names of the "Usage Metering"
 * product's API ({@code tenant_id}, {@code metric}, {@code quantity}, {@code user_id}).
 */
@NullMarked
package dev.metering.api;

import org.jspecify.annotations.NullMarked;
