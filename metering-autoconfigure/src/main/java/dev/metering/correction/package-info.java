/**
 * Voids and corrections of recorded events as ledger rows of their own, linked to the event
 * they correct; hard quotas' allocations and the audit trail move with them.
 */
@NullMarked
package dev.metering.correction;

import org.jspecify.annotations.NullMarked;
