/**
 * The usage console at {@code /metering/console}: server-rendered pages over the kit's services
 * (usage from rollups, quotas, top users, the bill preview, the tenant tree, the audit trail and
 * the kit's health), off by default, behind the admin API's rule. Every asset is in the jar.
 */
@NullMarked
package dev.metering.console;

import org.jspecify.annotations.NullMarked;
