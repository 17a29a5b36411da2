/**
 * The ledger's {@code dimensions} JSON, written by hand for the hot path (COPY, batch inserts,
 * problem bodies). Not API: public for the kit's own packages only; it may change in any release.
 */
@NullMarked
package dev.metering.internal.json;

import org.jspecify.annotations.NullMarked;
