/**
 * Hourly rollups of the ledger: the rollup job, its timer and the usage readers.
 */
@NullMarked
package dev.metering.rollup;

import org.jspecify.annotations.NullMarked;
