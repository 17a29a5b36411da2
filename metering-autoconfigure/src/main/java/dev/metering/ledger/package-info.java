/**
 * The usage ledger: the JDBC event store, per-dialect SQL, the buffered batch writer and the
 * schema scripts.
 */
@NullMarked
package dev.metering.ledger;

import org.jspecify.annotations.NullMarked;
