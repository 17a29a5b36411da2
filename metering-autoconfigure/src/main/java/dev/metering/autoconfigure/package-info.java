/**
 * Auto-configuration of the metering kit and its {@code metering.*} properties.
 */
@NullMarked
package dev.metering.autoconfigure;

import org.jspecify.annotations.NullMarked;
