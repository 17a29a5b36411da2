/**
 * Hard-quota budgets leased from the database, so several instances together admit no more
 * than a hard limit.
 */
@NullMarked
package dev.metering.quota.lease;

import org.jspecify.annotations.NullMarked;
