/**
 * The spool's files: append-only segments ({@link dev.metering.internal.spool.SpoolSegment}) of
 * checksummed records ({@link dev.metering.internal.spool.SpoolRecordCodec}) in one locked directory
 * ({@link dev.metering.internal.spool.SpoolDirectory}), recovered on start. The ledger's
 * {@code EventSpool} drives them. Not API: public for the kit's own packages only; it may change in
 * any release.
 */
@NullMarked
package dev.metering.internal.spool;

import org.jspecify.annotations.NullMarked;
