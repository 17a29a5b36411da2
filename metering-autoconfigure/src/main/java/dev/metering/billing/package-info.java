/**
 * Billing from the ledger: plan prices and their pricing models, billing reports with overage,
 * usage summaries and top users. Every figure is read from the rollups (= the ledger).
 */
@NullMarked
package dev.metering.billing;

import org.jspecify.annotations.NullMarked;
