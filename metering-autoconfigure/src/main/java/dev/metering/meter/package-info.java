/**
 * Meter definitions ({@code metering.meters}): how a meter aggregates, which events it reads,
 * and the values and group values it reads from their data; and the events a payload makes.
 */
@NullMarked
package dev.metering.meter;

import org.jspecify.annotations.NullMarked;
