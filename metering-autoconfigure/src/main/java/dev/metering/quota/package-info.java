/**
 * Quota definitions, the enforcement service and its decisions, reservations and caches.
 */
@NullMarked
package dev.metering.quota;

import org.jspecify.annotations.NullMarked;
