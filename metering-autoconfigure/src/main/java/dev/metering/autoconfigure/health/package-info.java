/**
 * The metering health indicator.
 */
@NullMarked
package dev.metering.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
