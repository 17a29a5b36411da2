/**
 * Usage events, the {@link dev.metering.event.UsageRecorder} applications call, and the rules an
 * event must pass.
 */
@NullMarked
package dev.metering.event;

import org.jspecify.annotations.NullMarked;
