/**
 * Micrometer meters of the kit (writer, rollups, quotas, {@code @Metered} operations), bound
 * when Micrometer is on the classpath.
 */
@NullMarked
package dev.metering.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
