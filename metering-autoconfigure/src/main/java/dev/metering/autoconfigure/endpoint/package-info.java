/**
 * The {@code metering} Actuator endpoint.
 */
@NullMarked
package dev.metering.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
