/**
 * The kit's periodic background tasks ({@link dev.metering.internal.schedule.PeriodicTask}): one
 * daemon thread each, started and stopped by the lifecycle bean that owns the task. Not API:
 * public for the kit's own packages only; it may change in any release.
 */
@NullMarked
package dev.metering.internal.schedule;

import org.jspecify.annotations.NullMarked;
